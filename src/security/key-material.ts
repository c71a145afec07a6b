/**
 * Key material: turns configured text, bytes or key objects into typed `KeyObject`s, and refuses
 * weak secrets.
 *
 * Weak-secret rule (HS256 secrets and Ed25519 private seeds), checked on the decoded bytes:
 *
 * 1. fewer than 32 bytes: refused (RFC 7518 §3.2 for HS256; an Ed25519 seed is exactly 32);
 * 2. every byte is printable ASCII or tab / LF / CR: refused as "text, not random bytes" — a
 *    passphrase, or a hex / base64 string passed as bytes. 32 random bytes are all printable with
 *    probability (98/256)^32 < 10^-13;
 * 3. fewer than 8 distinct byte values: refused as "a repeated pattern" (a zero-filled buffer, a
 *    fill byte). 32 random bytes have about 30 distinct values; fewer than 8 happens with
 *    probability below 10^-30.
 *
 * No message produced here contains key material: only key ids, lengths and formats.
 */
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Shortest HMAC key accepted, in bytes. */
export const MIN_KEY_BYTES = 32;
/** Fewest distinct byte values a secret may have. */
export const MIN_DISTINCT_BYTES = 8;
/** Size of an Ed25519 public key and of a private seed, in bytes (RFC 8032). */
export const ED25519_KEY_BYTES = 32;

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS #8 PrivateKeyInfo (RFC 8410 §4, §7),
// followed by the 32 raw key bytes.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const GENERATE_HINT = 'generate one with `herald keys generate`';

/** What a text secret may look like: `base64url:…`, `base64:…` or `hex:…`. */
export function decodeText(text: string): Buffer | undefined {
  const colon = text.indexOf(':');
  const scheme = colon > 0 ? text.slice(0, colon) : '';
  const body = text.slice(colon + 1);
  if (scheme === 'base64url' && /^[A-Za-z0-9_-]+$/.test(body))
    return Buffer.from(body, 'base64url');
  if (scheme === 'base64' && /^[A-Za-z0-9+/]+={0,2}$/.test(body))
    return Buffer.from(body, 'base64');
  if (scheme === 'hex' && /^([0-9a-fA-F]{2})+$/.test(body)) return Buffer.from(body, 'hex');
  return undefined;
}

/** Why `bytes` are not a usable secret, or undefined when they are (the rule in the module doc). */
export function weakSecretProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < MIN_KEY_BYTES) return `is ${bytes.length} bytes; at least ${MIN_KEY_BYTES}`;
  let text = true;
  const seen = new Set<number>();
  for (const b of bytes) {
    if (text && !((b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d)) text = false;
    seen.add(b);
  }
  if (text)
    return 'is text (every byte printable ASCII), not random bytes: it looks like a passphrase or an encoded key passed as bytes';
  if (seen.size < MIN_DISTINCT_BYTES)
    return `has only ${seen.size} distinct byte values: a repeated pattern, not random bytes`;
  return undefined;
}

/** Checks and decodes an HS256 secret into a secret `KeyObject`. */
export function hmacSecret(kid: string, secret: unknown): KeyObject {
  let bytes: Uint8Array | undefined;
  if (secret instanceof Uint8Array) bytes = secret;
  else if (typeof secret === 'string') bytes = decodeText(secret);
  else {
    throw new ConfigError(`key "${kid}" has no secret`, {
      kid,
      hint: `give 32+ random bytes as "base64url:<key>"; ${GENERATE_HINT}`,
    });
  }
  if (bytes === undefined) {
    throw new ConfigError(`key "${kid}" is not in a recognised format`, {
      kid,
      hint: `write the secret as "base64url:<key>", "base64:<key>" or "hex:<key>"; ${GENERATE_HINT}`,
    });
  }
  const problem = weakSecretProblem(bytes);
  if (problem !== undefined) {
    throw new ConfigError(`key "${kid}" is refused: the secret ${problem}`, {
      kid,
      hint: `use 32 bytes from a cryptographically secure random source; ${GENERATE_HINT}`,
    });
  }
  return createSecretKey(Buffer.from(bytes));
}

/** Either half of an Ed25519 key pair as configured. */
export type Ed25519Material = string | Uint8Array | KeyObject;

function isKeyObject(value: unknown): value is KeyObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeyObject).type === 'string' &&
    typeof (value as KeyObject).export === 'function'
  );
}

function edFail(kid: string, what: string, hint: string): never {
  throw new ConfigError(`key "${kid}": ${what}`, { kid, hint });
}

const ED_FORMATS =
  'the 32 raw key bytes as "base64url:…" / "base64:…" / "hex:…", a PEM block, a Uint8Array, or a node:crypto KeyObject';

/** Reads raw bytes, PEM text or a KeyObject as an Ed25519 public or private `KeyObject`. */
export function ed25519Key(
  kid: string,
  material: Ed25519Material,
  type: 'public' | 'private',
): KeyObject {
  let key: KeyObject;
  if (isKeyObject(material)) {
    key = material;
  } else {
    let raw: Uint8Array | undefined;
    let pem: string | undefined;
    if (material instanceof Uint8Array) raw = material;
    else if (typeof material === 'string') {
      if (material.startsWith('-----BEGIN ')) {
        pem = material;
        if (type === 'public' && pem.includes('PRIVATE KEY-----')) {
          edFail(
            kid,
            'a private key was given as publicKey',
            'a verifier holds only the public key: give the private key as privateKey, and only on nodes that sign',
          );
        }
      } else raw = decodeText(material);
    }
    if (raw === undefined && pem === undefined) {
      edFail(kid, `the Ed25519 ${type} key is not in a recognised format`, `give ${ED_FORMATS}`);
    }
    if (raw !== undefined) {
      if (raw.length !== ED25519_KEY_BYTES) {
        edFail(
          kid,
          `the Ed25519 ${type} key is ${raw.length} bytes; it must be ${ED25519_KEY_BYTES}`,
          `give ${ED_FORMATS}`,
        );
      }
      if (type === 'private') {
        const problem = weakSecretProblem(raw);
        if (problem !== undefined) {
          edFail(
            kid,
            `the Ed25519 private key is refused: it ${problem}`,
            `generate a key pair with \`herald keys generate --alg EdDSA\``,
          );
        }
      }
    }
    try {
      key =
        type === 'public'
          ? createPublicKey(
              pem ?? { key: Buffer.concat([SPKI_PREFIX, raw!]), format: 'der', type: 'spki' },
            )
          : createPrivateKey(
              pem ?? { key: Buffer.concat([PKCS8_PREFIX, raw!]), format: 'der', type: 'pkcs8' },
            );
    } catch {
      // node:crypto's message is not passed on: it could quote the input.
      edFail(kid, `the Ed25519 ${type} key cannot be read`, `give ${ED_FORMATS}`);
    }
  }
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    const got = [key.asymmetricKeyType, key.type].filter(Boolean).join(' ');
    edFail(
      kid,
      `expected an Ed25519 ${type} key, got a ${got} key`,
      'EdDSA keys are Ed25519 (RFC 8037); HS256 keys are given as `secret`',
    );
  }
  return key;
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { x?: string };
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** Every byte form in which an Ed25519 public key might be mistaken for an HMAC secret. */
export function publicKeyForms(key: KeyObject): Buffer[] {
  const raw = rawPublicKey(key);
  const der = key.export({ format: 'der', type: 'spki' });
  const pem = Buffer.from(key.export({ format: 'pem', type: 'spki' }) as string, 'utf8');
  return [raw, der, pem, Buffer.from(raw.toString('base64url'), 'utf8')];
}
