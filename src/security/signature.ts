/**
 * Signatures dispatched on the key's pinned algorithm — never on the message's `alg`:
 *
 * - HS256: HMAC-SHA256 with node:crypto; the expected MAC is compared to the received text in
 *   constant time (`timingSafeEqual` on equal-length buffers; lengths are public and compared
 *   first). The codec's hot path uses hmac.ts, bound once per key; these are the general forms.
 * - EdDSA: Ed25519 with node:crypto `sign(null, …)` / `verify(null, …)` (RFC 8037), about three
 *   times faster than going through WebCrypto. The signature text must be the canonical
 *   base64url spelling of 64 bytes; OpenSSL refuses non-canonical `S` values (RFC 8032 §5.1.7).
 *
 * `herald/2` signs the UTF-8 bytes of its signing input ({@link signInput}, {@link verifyInput});
 * `herald/1`, read only, the ASCII JWS signing input `H "." P` ({@link verifySegments}).
 */
import { createHmac, sign, timingSafeEqual, verify } from 'node:crypto';
import { Algorithm, type ResolvedKey } from './keys.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Base64url length of an Ed25519 signature (64 bytes). */
const ED25519_SIGNATURE_CHARS = 86;

/**
 * Constant-time comparison of two base64url MACs; lengths are compared first (they are public).
 * `actual` is untrusted and is compared as UTF-8: a latin1 view would keep only the low byte of
 * each UTF-16 unit, so `U+0141` would pass for `A` and a valid signature could be re-spelled.
 */
export function sameMac(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Signs `input` (the signing input's bytes) with a key this node holds the secret of. */
export function signInput(key: ResolvedKey, input: Buffer): string {
  if (key.alg === Algorithm.HS256)
    return createHmac('sha256', key.key).update(input).digest('base64url');
  if (key.privateKey === undefined) {
    // Unreachable through createKeyRing, which never puts a public-only key in `signing`.
    throw new TypeError(`key "${key.kid}" has no private key`);
  }
  return sign(null, input, key.privateKey).toString('base64url');
}

/** True when `signature` is a valid signature of `input` under `key`. Never throws. */
export function verifyInput(key: ResolvedKey, input: Buffer, signature: string): boolean {
  if (key.alg === Algorithm.HS256)
    return sameMac(createHmac('sha256', key.key).update(input).digest('base64url'), signature);
  if (signature.length !== ED25519_SIGNATURE_CHARS || !BASE64URL.test(signature)) return false;
  const bytes = Buffer.from(signature, 'base64url');
  // One spelling per signature: the 4 unused low bits of the last character must be zero.
  if (bytes.toString('base64url') !== signature) return false;
  try {
    return verify(null, input, key.publicKey, bytes);
  } catch {
    return false;
  }
}

/** herald/1: true when `signature` signs the JWS segments `header "." payload` under `key`. */
export function verifySegments(
  key: ResolvedKey,
  header: string,
  payload: string,
  signature: string,
): boolean {
  return verifyInput(key, Buffer.from(`${header}.${payload}`, 'latin1'), signature);
}
