/**
 * Where keys come from besides literal configuration: JSON Web Keys (RFC 7517) and an
 * environment variable. Both produce a plain {@link KeyConfig}, which `createBus` checks like any
 * other (weak secrets, formats, scopes): this module only translates.
 *
 * JWKs: `kty: "oct"` (RFC 7518 §6.4, `k` = the HS256 secret) and `kty: "OKP"`, `crv: "Ed25519"`
 * (RFC 8037, `x` = public key, `d` = private key when present). A JWK that declares another
 * algorithm, another use than `sig`, or `key_ops` without `verify` is refused, as is any other
 * key type. The non-standard member `scopes` (RFC 7517 §4 lets a JWK carry extra members) sets
 * the key's publisher scopes.
 *
 * Environment variable (default `HERALD_KEYS`), one of:
 * - JSON: `{"keys":[…],"sign":[…],"retired":[…]}` whose entries are JWKs (they have `kty`) or
 *   Herald key specs (`{"kid","secret"}`, `{"kid","alg":"EdDSA","publicKey","privateKey"}`), so a
 *   JWKS document works as it is;
 * - a list of HS256 keys, `kid=secret` separated by commas, the first one signing:
 *   `k2=base64url:…,k1=base64url:…`.
 *
 * Errors name the variable and the entry, never its text: the value holds secrets.
 */
import { ConfigError } from '../errors.js';
import { Algorithm, type KeyConfig, type KeySpec } from './keys.js';

/** A JSON Web Key as Herald reads it. */
export interface Jwk {
  readonly kty: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
  readonly key_ops?: readonly string[];
  /** oct: the secret, base64url. */
  readonly k?: string;
  /** OKP: the curve, `Ed25519`. */
  readonly crv?: string;
  /** OKP: the public key, base64url. */
  readonly x?: string;
  /** OKP: the private key, base64url. */
  readonly d?: string;
  /** Herald extension: publisher scopes of this key. */
  readonly scopes?: readonly string[];
}

/** A JWK Set (RFC 7517 §5), or a bare list of JWKs. */
export type JwkSet = { readonly keys: readonly Jwk[] } | readonly Jwk[];

/** Which keys sign and which are retired, when keys come from a JWK set. */
export interface JwkSetOptions {
  /** @default the first key that holds a secret or private key */
  readonly sign?: readonly string[];
  readonly retired?: readonly string[];
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function jwkFail(where: string, why: string, hint: string): never {
  throw new ConfigError(`${where} ${why}`, { hint });
}

/** Translates one JWK into a key spec. `where` names it in errors (`JWK #2`). */
export function keyFromJwk(jwk: Jwk, where = 'JWK'): KeySpec {
  if (typeof jwk !== 'object' || jwk === null) jwkFail(where, 'is not an object', 'give a JWK');
  const kid = jwk.kid;
  if (typeof kid !== 'string') {
    jwkFail(where, 'has no kid', 'every key needs a kid: receivers look keys up by id');
  }
  const named = `${where} "${kid}"`;
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    jwkFail(named, 'is not a signing key (use is not "sig")', 'use a key made for signatures');
  }
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))
  ) {
    jwkFail(
      named,
      'does not allow "verify" in key_ops',
      'list "sign" and "verify" in key_ops, or leave it out',
    );
  }
  const scopes = jwk.scopes === undefined ? {} : { scopes: jwk.scopes };
  if (jwk.kty === 'oct') {
    if (jwk.alg !== undefined && jwk.alg !== Algorithm.HS256) {
      jwkFail(
        named,
        `declares alg "${String(jwk.alg).slice(0, 16)}"`,
        'Herald signs oct keys with HS256 only',
      );
    }
    if (typeof jwk.k !== 'string' || !B64URL.test(jwk.k)) {
      jwkFail(named, 'has no base64url "k"', 'an oct JWK carries its secret in "k"');
    }
    return { kid, secret: `base64url:${jwk.k}`, ...scopes };
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') {
      jwkFail(
        named,
        `has curve "${String(jwk.crv).slice(0, 16)}"`,
        'Herald signs OKP keys on Ed25519 only',
      );
    }
    if (jwk.alg !== undefined && jwk.alg !== Algorithm.EdDSA && jwk.alg !== 'Ed25519') {
      jwkFail(
        named,
        `declares alg "${String(jwk.alg).slice(0, 16)}"`,
        'an Ed25519 key signs with EdDSA',
      );
    }
    if (typeof jwk.x !== 'string' || !B64URL.test(jwk.x)) {
      jwkFail(named, 'has no base64url "x"', 'an OKP JWK carries its public key in "x"');
    }
    if (jwk.d !== undefined && (typeof jwk.d !== 'string' || !B64URL.test(jwk.d))) {
      jwkFail(named, 'has a "d" that is not base64url', 'give the private key as base64url');
    }
    return {
      kid,
      alg: Algorithm.EdDSA,
      publicKey: `base64url:${jwk.x}`,
      ...(jwk.d === undefined ? {} : { privateKey: `base64url:${jwk.d}` }),
      ...scopes,
    };
  }
  return jwkFail(
    named,
    `has key type "${String(jwk.kty).slice(0, 16)}"`,
    'Herald reads "oct" (HS256) and "OKP" with crv "Ed25519" (EdDSA)',
  );
}

const signs = (spec: KeySpec): boolean =>
  spec.alg === Algorithm.EdDSA ? spec.privateKey !== undefined : true;

/**
 * A key configuration from a JWK set: every key in the allow-list; by default the first key
 * that this node can sign with signs (none on a verify-only node holding public keys).
 */
export function keysFromJwks(jwks: JwkSet, options: JwkSetOptions = {}): KeyConfig {
  const list = Array.isArray(jwks) ? jwks : (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError('the JWK set has no keys', { hint: 'give { "keys": [ ...JWKs ] }' });
  }
  const keys = (list as Jwk[]).map((jwk, i) => keyFromJwk(jwk, `JWK #${i + 1}`));
  const signer = keys.find(signs);
  const sign = options.sign ?? (signer === undefined ? undefined : [signer.kid]);
  return {
    keys,
    ...(sign === undefined ? {} : { sign }),
    ...(options.retired === undefined ? {} : { retired: options.retired }),
  };
}

function stringList(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${where} is not a list of key ids`, { hint: 'write ["k1", "k2"]' });
  }
  return value as string[];
}

/**
 * Parses key configuration text (the format of {@link keysFromEnv}). `source` names the text in
 * errors, which never quote it.
 */
export function parseKeyConfig(text: string, source: string): KeyConfig {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      // JSON.parse's message quotes the input: it is not passed on.
      throw new ConfigError(`${source} is not valid JSON`, {
        hint: 'write {"keys":[{"kid":"k1","secret":"base64url:..."}]} or a JWK set',
      });
    }
    const d = doc as { keys?: unknown; sign?: unknown; retired?: unknown };
    if (!Array.isArray(d.keys) || d.keys.length === 0) {
      throw new ConfigError(`${source} has no "keys" list`, {
        hint: 'write {"keys":[{"kid":"k1","secret":"base64url:..."}]} or a JWK set',
      });
    }
    const keys = (d.keys as unknown[]).map((entry, i): KeySpec => {
      const where = `${source} key #${i + 1}`;
      if (typeof entry !== 'object' || entry === null) {
        throw new ConfigError(`${where} is not an object`, { hint: 'each key is a JSON object' });
      }
      return 'kty' in entry ? keyFromJwk(entry as Jwk, where) : (entry as KeySpec);
    });
    const sign = stringList(d.sign, `${source} "sign"`);
    const retired = stringList(d.retired, `${source} "retired"`);
    return {
      keys,
      ...(sign === undefined ? {} : { sign }),
      ...(retired === undefined ? {} : { retired }),
    };
  }
  const items = trimmed.split(',').map((s) => s.trim());
  const keys = items.map((item, i): KeySpec => {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(`${source} entry #${i + 1} is not "kid=secret"`, {
        hint: 'write kid=base64url:<key>[,kid=base64url:<key>] (the first one signs), or JSON',
      });
    }
    return { kid: item.slice(0, eq), secret: item.slice(eq + 1) };
  });
  return { keys };
}

/**
 * The key configuration in an environment variable (format in the module doc).
 * @example createBus({ registry, keys: keysFromEnv() })
 */
export function keysFromEnv(
  name = 'HERALD_KEYS',
  env: Readonly<Record<string, string | undefined>> = process.env,
): KeyConfig {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`the environment variable ${name} is not set`, {
      hint: `set ${name}=<kid>=base64url:<key> (from \`herald keys generate\`) or a JSON key set`,
    });
  }
  return parseKeyConfig(value, `the environment variable ${name}`);
}
