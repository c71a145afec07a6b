/**
 * Signing keys: the `kid` allow-list, the keys used to sign, retired key ids, and per-key scopes.
 *
 * Two algorithms, pinned per key and never read from a message:
 * - `HS256` (HMAC-SHA256, RFC 7518 §3.2), the default: a shared secret of at least 32 random bytes,
 *   given as bytes or as `base64url:…` / `base64:…` / `hex:…` text; bare text (a passphrase) and
 *   other weak secrets are refused (rules in key-material.ts).
 * - `EdDSA` (Ed25519, RFC 8037): a public key to verify, and on signing nodes the private key. A
 *   node holding only public keys verifies but cannot sign.
 *
 * Resolved keys are typed by algorithm: an HMAC key holds a secret `KeyObject`, an Ed25519 key
 * public/private ones, and node:crypto refuses to use one as the other. A key ring prints and
 * serialises as key ids only: secrets never appear in errors, logs, `toString()` or JSON.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { ID_PATTERN } from '../rules.js';
import {
  type Ed25519Material,
  ed25519Key,
  hmacSecret,
  MIN_KEY_BYTES,
  publicKeyForms,
  rawPublicKey,
} from './key-material.js';
import { createScope, type Scope } from './scopes.js';

export { MIN_KEY_BYTES };

/** Algorithms Herald signs with. */
export const Algorithm = { HS256: 'HS256', EdDSA: 'EdDSA' } as const;
export type Algorithm = (typeof Algorithm)[keyof typeof Algorithm];

/** An HS256 key as configured. */
export interface HmacKeySpec {
  /** Key id: carried in every signature header, looked up in the allow-list. */
  readonly kid: string;
  /**
   * At least 32 random bytes: a Uint8Array, or text `base64url:…`, `base64:…` or `hex:…`.
   * @example 'base64url:q3Bk…' (from `herald keys generate`)
   */
  readonly secret: Uint8Array | string;
  /** @default 'HS256' */
  readonly alg?: typeof Algorithm.HS256;
  /**
   * Topic patterns this key may sign for (`*` one segment, a final `**` any number).
   * @default every topic
   * @example ['metrics:*', 'health:**']
   */
  readonly scopes?: readonly string[];
  /** Only on EdDSA keys. */
  readonly publicKey?: undefined;
  /** Only on EdDSA keys. */
  readonly privateKey?: undefined;
}

/** An Ed25519 key as configured: the public key, the private key, or both. */
export interface Ed25519KeySpec {
  readonly kid: string;
  readonly alg: typeof Algorithm.EdDSA;
  /**
   * The public key: 32 raw bytes (`base64url:…`, `base64:…`, `hex:…`, Uint8Array), SPKI PEM, or
   * a KeyObject. Derived from `privateKey` when left out.
   */
  readonly publicKey?: Ed25519Material;
  /** The private key, on signing nodes only: a 32-byte seed in the same forms, or PKCS #8 PEM. */
  readonly privateKey?: Ed25519Material;
  /** Topic patterns this key may sign for. @default every topic */
  readonly scopes?: readonly string[];
  /** Only on HS256 keys. */
  readonly secret?: undefined;
}

/** One key as configured. */
export type KeySpec = HmacKeySpec | Ed25519KeySpec;

/** Key configuration of a bus. */
export interface KeyConfig {
  /** Every key this node accepts (the allow-list). */
  readonly keys: readonly KeySpec[];
  /**
   * Key ids this node signs with. Two during a rotation overlap: every message then carries both
   * signatures, so verifiers holding either key accept it.
   * @default the first key of `keys`, when this node holds its secret or private key
   */
  readonly sign?: readonly string[];
  /** Key ids that are known but no longer accepted; messages signed only with them are rejected as `retired_key`. */
  readonly retired?: readonly string[];
}

/** A resolved HS256 key. */
export interface HmacKey {
  readonly kid: string;
  readonly alg: typeof Algorithm.HS256;
  /** The secret, a node:crypto secret KeyObject. */
  readonly key: KeyObject;
  readonly scope: Scope;
}

/** A resolved Ed25519 key. */
export interface Ed25519Key {
  readonly kid: string;
  readonly alg: typeof Algorithm.EdDSA;
  readonly publicKey: KeyObject;
  /** Present on signing nodes only. */
  readonly privateKey: KeyObject | undefined;
  readonly scope: Scope;
}

/** A key ready for use, typed by its algorithm. */
export type ResolvedKey = HmacKey | Ed25519Key;

/** The resolved key set of one bus. */
export interface KeyRing {
  /** Keys used to sign, in order; empty on a verify-only node. */
  readonly signing: readonly ResolvedKey[];
  /** The allow-list, by key id. */
  readonly verify: ReadonlyMap<string, ResolvedKey>;
  readonly retired: ReadonlySet<string>;
}

/** True when this node can sign with the key. */
export const canSign = (key: ResolvedKey): boolean =>
  key.alg === Algorithm.HS256 || key.privateKey !== undefined;

function resolveKey(spec: KeySpec, index: number): ResolvedKey {
  if (typeof spec !== 'object' || spec === null || !ID_PATTERN.test(String(spec.kid ?? ''))) {
    const kid = (spec as { kid?: unknown } | null)?.kid;
    // Shown only when shorter than any encoded 32-byte secret: a misplaced secret is never logged.
    const shown = typeof kid === 'string' && kid.length <= 32 ? `"${kid}"` : `#${index + 1}`;
    throw new ConfigError(`key id ${shown} is invalid`, {
      hint: 'key ids are 1-64 characters of [A-Za-z0-9_.-]',
    });
  }
  const { kid } = spec;
  const alg = spec.alg ?? Algorithm.HS256;
  const scope = createScope(kid, spec.scopes);
  if (alg === Algorithm.HS256) {
    const extra = spec as { publicKey?: unknown; privateKey?: unknown };
    if (extra.publicKey !== undefined || extra.privateKey !== undefined) {
      throw new ConfigError(`key "${kid}" is HS256 but has an Ed25519 publicKey / privateKey`, {
        kid,
        hint: 'set alg: "EdDSA" for Ed25519 keys; HS256 keys take only a secret',
      });
    }
    return { kid, alg, key: hmacSecret(kid, (spec as HmacKeySpec).secret), scope };
  }
  if (alg === Algorithm.EdDSA) {
    const ed = spec as Ed25519KeySpec & { secret?: unknown };
    if (ed.secret !== undefined) {
      throw new ConfigError(`key "${kid}" is EdDSA but has an HMAC secret`, {
        kid,
        hint: 'give an Ed25519 key as publicKey (and privateKey on signing nodes)',
      });
    }
    if (ed.publicKey === undefined && ed.privateKey === undefined) {
      throw new ConfigError(`key "${kid}" has neither publicKey nor privateKey`, {
        kid,
        hint: 'generate a pair with `herald keys generate --alg EdDSA`',
      });
    }
    const privateKey =
      ed.privateKey === undefined ? undefined : ed25519Key(kid, ed.privateKey, 'private');
    const derived = privateKey === undefined ? undefined : toPublic(privateKey);
    const publicKey =
      ed.publicKey === undefined ? derived! : ed25519Key(kid, ed.publicKey, 'public');
    if (derived !== undefined && !rawPublicKey(derived).equals(rawPublicKey(publicKey))) {
      throw new ConfigError(`key "${kid}": publicKey and privateKey are not a pair`, {
        kid,
        hint: 'give the public key of this private key, or leave publicKey out to derive it',
      });
    }
    return { kid, alg, publicKey, privateKey, scope };
  }
  throw new ConfigError(`key "${kid}" has unsupported algorithm "${String(alg).slice(0, 16)}"`, {
    kid,
    hint: 'use "HS256" (shared secret) or "EdDSA" (Ed25519)',
  });
}

/** The public half of a private key. */
const toPublic = (privateKey: KeyObject): KeyObject => createPublicKey(privateKey);

/** Refuses an HMAC secret equal to a configured Ed25519 public key in any of its byte forms. */
function refuseConfusion(keys: Iterable<ResolvedKey>): void {
  const list = [...keys];
  const hmac = list.filter((k): k is HmacKey => k.alg === Algorithm.HS256);
  const ed = list.filter((k): k is Ed25519Key => k.alg === Algorithm.EdDSA);
  if (hmac.length === 0 || ed.length === 0) return;
  const forms = ed.flatMap((k) => publicKeyForms(k.publicKey).map((bytes) => ({ k, bytes })));
  for (const h of hmac) {
    const secret = h.key.export();
    const clash = forms.find((f) => f.bytes.equals(secret));
    if (clash) {
      throw new ConfigError(
        `key "${h.kid}": its HMAC secret is the public key of Ed25519 key "${clash.k.kid}"`,
        {
          kid: h.kid,
          hint: 'a public key is public: anyone could sign with it. Give HS256 keys their own random secret',
        },
      );
    }
  }
}

/** Checks and resolves a key configuration. Throws a {@link ConfigError} naming the key id. */
export function createKeyRing(config: KeyConfig): KeyRing {
  if (!config || !Array.isArray(config.keys) || config.keys.length === 0) {
    throw new ConfigError('no signing keys configured', {
      hint: 'pass keys: { keys: [{ kid: "k1", secret: "base64url:..." }] }; generate one with `herald keys generate`',
    });
  }
  const verify = new Map<string, ResolvedKey>();
  config.keys.forEach((spec, i) => {
    const key = resolveKey(spec, i);
    if (verify.has(key.kid)) {
      throw new ConfigError(`key id "${key.kid}" is configured twice`, {
        kid: key.kid,
        hint: 'give each key its own id',
      });
    }
    verify.set(key.kid, key);
  });
  refuseConfusion(verify.values());
  const retired = new Set(config.retired ?? []);
  for (const kid of retired) {
    if (verify.has(kid)) {
      throw new ConfigError(`key "${kid}" is both in keys and in retired`, {
        kid,
        hint: 'remove a retired key from keys; it is then rejected as retired_key',
      });
    }
  }
  const first = verify.get(config.keys[0]!.kid)!;
  // A node holding only public keys verifies and does not sign, unless told to.
  const signKids = config.sign ?? (canSign(first) ? [first.kid] : []);
  if (config.sign !== undefined && signKids.length === 0) {
    throw new ConfigError('keys.sign is empty', {
      hint: 'name at least one key id to sign with, or leave sign out',
    });
  }
  const signing = signKids.map((kid) => {
    const key = verify.get(kid);
    if (!key) {
      throw new ConfigError(`keys.sign names "${kid}", which is not in keys`, {
        kid,
        hint: `configured key ids: ${[...verify.keys()].join(', ')}`,
      });
    }
    if (!canSign(key)) {
      throw new ConfigError(`keys.sign names "${kid}", but this node holds only its public key`, {
        kid,
        hint: 'give the privateKey on nodes that publish, or leave sign out on verify-only nodes',
      });
    }
    return key;
  });
  return redacted({ signing, verify, retired });
}

/** What a key ring shows of itself in logs and JSON: ids and algorithms, never key material. */
function describe(ring: KeyRing): Record<string, unknown> {
  return {
    signing: ring.signing.map((k) => k.kid),
    verify: [...ring.verify.values()].map((k) => ({
      kid: k.kid,
      alg: k.alg,
      scopes: k.scope.patterns,
      ...(k.alg === Algorithm.EdDSA ? { canSign: k.privateKey !== undefined } : {}),
    })),
    retired: [...ring.retired],
  };
}

function redacted(ring: KeyRing): KeyRing {
  const view = (): Record<string, unknown> => describe(ring);
  Object.defineProperties(ring, {
    toJSON: { value: view },
    toString: { value: () => `KeyRing ${JSON.stringify(view())}` },
    [Symbol.for('nodejs.util.inspect.custom')]: {
      value: () => `KeyRing ${JSON.stringify(view())}`,
    },
  });
  return ring;
}
