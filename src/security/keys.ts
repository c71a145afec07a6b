/**
 * Signing keys: the `kid` allow-list, the keys used to sign, and retired key ids.
 *
 * HS256 (HMAC-SHA256, RFC 7518 §3.2) keys must hold at least 32 bytes: RFC 7518 requires a key at
 * least as long as the hash output. A secret is given as bytes, or as text in the documented
 * format `base64url:<key>` / `base64:<key>` / `hex:<key>`; bare text is refused because it is
 * almost always a passphrase. The algorithm is pinned per key and never read from a message.
 * Secrets never appear in errors, logs or `toString()`.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Algorithms Herald signs with. */
export const Algorithm = { HS256: 'HS256' } as const;
export type Algorithm = (typeof Algorithm)[keyof typeof Algorithm];

/** One key as configured. */
export interface KeySpec {
  /** Key id: carried in every signature header, looked up in the allow-list. */
  readonly kid: string;
  /**
   * At least 32 random bytes: a Uint8Array, or text `base64url:…`, `base64:…` or `hex:…`.
   * @example 'base64url:q3Bk…' (from `crypto.randomBytes(32).toString('base64url')`)
   */
  readonly secret: Uint8Array | string;
  /** @default 'HS256' */
  readonly alg?: Algorithm;
}

/** Key configuration of a bus. */
export interface KeyConfig {
  /** Every key this node accepts (the allow-list). */
  readonly keys: readonly KeySpec[];
  /**
   * Key ids this node signs with. Two during a rotation overlap: every message then carries both
   * signatures, so verifiers holding either key accept it.
   * @default the first key of `keys`
   */
  readonly sign?: readonly string[];
  /** Key ids that are known but no longer accepted; messages signed only with them are rejected as `retired_key`. */
  readonly retired?: readonly string[];
}

/** A key ready for use. */
export interface ResolvedKey {
  readonly kid: string;
  readonly alg: Algorithm;
  readonly key: KeyObject;
}

/** The resolved key set of one bus. */
export interface KeyRing {
  /** Keys used to sign, in order. */
  readonly signing: readonly ResolvedKey[];
  /** The allow-list, by key id. */
  readonly verify: ReadonlyMap<string, ResolvedKey>;
  readonly retired: ReadonlySet<string>;
}

/** Shortest HMAC key accepted, in bytes. */
export const MIN_KEY_BYTES = 32;
const KID = /^[A-Za-z0-9_.-]{1,64}$/;

function decodeSecret(kid: string, secret: Uint8Array | string): Uint8Array {
  if (secret instanceof Uint8Array) return secret;
  if (typeof secret !== 'string') {
    throw new ConfigError(`key "${kid}" has no secret`, { kid, hint: 'give 32+ random bytes' });
  }
  const colon = secret.indexOf(':');
  const scheme = colon > 0 ? secret.slice(0, colon) : '';
  const body = secret.slice(colon + 1);
  if (scheme === 'base64url' && /^[A-Za-z0-9_-]+$/.test(body))
    return Buffer.from(body, 'base64url');
  if (scheme === 'base64' && /^[A-Za-z0-9+/]+={0,2}$/.test(body))
    return Buffer.from(body, 'base64');
  if (scheme === 'hex' && /^([0-9a-fA-F]{2})+$/.test(body)) return Buffer.from(body, 'hex');
  throw new ConfigError(`key "${kid}" is not in a recognised format`, {
    kid,
    hint: 'write the secret as "base64url:<key>", "base64:<key>" or "hex:<key>"; generate one with `herald keys generate`',
  });
}

/** Checks and resolves a key configuration. Throws a {@link ConfigError} naming the key id. */
export function createKeyRing(config: KeyConfig): KeyRing {
  if (!config || !Array.isArray(config.keys) || config.keys.length === 0) {
    throw new ConfigError('no signing keys configured', {
      hint: 'pass keys: { keys: [{ kid: "k1", secret: "base64url:..." }] }; generate one with `herald keys generate`',
    });
  }
  const verify = new Map<string, ResolvedKey>();
  for (const spec of config.keys) {
    if (!KID.test(spec.kid ?? '')) {
      throw new ConfigError(`key id "${String(spec.kid)}" is invalid`, {
        hint: 'key ids are 1-64 characters of [A-Za-z0-9_.-]',
      });
    }
    if (verify.has(spec.kid)) {
      throw new ConfigError(`key id "${spec.kid}" is configured twice`, {
        kid: spec.kid,
        hint: 'give each key its own id',
      });
    }
    const alg = spec.alg ?? Algorithm.HS256;
    if (alg !== Algorithm.HS256) {
      throw new ConfigError(`key "${spec.kid}" has unsupported algorithm "${String(alg)}"`, {
        kid: spec.kid,
        hint: 'use "HS256"',
      });
    }
    const bytes = decodeSecret(spec.kid, spec.secret);
    if (bytes.length < MIN_KEY_BYTES) {
      throw new ConfigError(
        `key "${spec.kid}" is ${bytes.length} bytes; HS256 keys need at least ${MIN_KEY_BYTES}`,
        {
          kid: spec.kid,
          hint: 'generate 32 random bytes, e.g. `herald keys generate`',
        },
      );
    }
    verify.set(spec.kid, { kid: spec.kid, alg, key: createSecretKey(bytes) });
  }
  const retired = new Set(config.retired ?? []);
  for (const kid of retired) {
    if (verify.has(kid)) {
      throw new ConfigError(`key "${kid}" is both in keys and in retired`, {
        kid,
        hint: 'remove a retired key from keys; it is then rejected as retired_key',
      });
    }
  }
  const signKids = config.sign ?? [config.keys[0]!.kid];
  if (signKids.length === 0) {
    throw new ConfigError('keys.sign is empty', { hint: 'name at least one key id to sign with' });
  }
  const signing = signKids.map((kid) => {
    const key = verify.get(kid);
    if (!key) {
      throw new ConfigError(`keys.sign names "${kid}", which is not in keys`, {
        kid,
        hint: `configured key ids: ${[...verify.keys()].join(', ')}`,
      });
    }
    return key;
  });
  return { signing, verify, retired };
}
