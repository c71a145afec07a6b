/**
 * `herald keys generate`: a new random HS256 key in the format `KeyConfig` accepts, or with
 * `--alg EdDSA` a new Ed25519 key pair as two JWKs (private for signers, public for verifiers).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type Jwk, type KeySpec, keysFromJwks } from '../src/index.js';
import { createKeyRing } from '../src/internal.js';
import { CodegenError, CodegenErrorCode } from './errors.js';

/** Bytes of a generated key: the HS256 minimum, which is also the hash size (RFC 7518 §3.2). */
export const KEY_BYTES = 32;

/** A fresh key spec: `{ kid, secret: 'base64url:...' }`, checked by Herald's own key loader. */
export function generateKey(kid = `key-${randomBytes(4).toString('hex')}`): KeySpec {
  const spec = { kid, secret: `base64url:${randomBytes(KEY_BYTES).toString('base64url')}` };
  try {
    createKeyRing({ keys: [spec] });
  } catch (error) {
    const hint = (error as { hint?: unknown }).hint;
    throw new CodegenError(
      CodegenErrorCode.Usage,
      error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error),
      { hint: typeof hint === 'string' ? hint : 'key ids are 1-64 characters of [A-Za-z0-9_.-]' },
    );
  }
  return spec;
}

/** An Ed25519 key pair as JWKs (RFC 8037): `private` holds `d`, `public` does not. */
export interface Ed25519JwkPair {
  readonly private: Jwk;
  readonly public: Jwk;
}

/** A fresh Ed25519 key pair as JWKs, each checked by Herald's own key loader. */
export function generateEd25519Key(kid = `key-${randomBytes(4).toString('hex')}`): Ed25519JwkPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { x, d } = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
  const base = { kty: 'OKP', crv: 'Ed25519', kid, alg: 'EdDSA', use: 'sig' } as const;
  const pair = { private: { ...base, x, d }, public: { ...base, x } };
  try {
    createKeyRing(keysFromJwks([pair.private]));
    createKeyRing(keysFromJwks([pair.public]));
  } catch (error) {
    const hint = (error as { hint?: unknown }).hint;
    throw new CodegenError(
      CodegenErrorCode.Usage,
      error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error),
      { hint: typeof hint === 'string' ? hint : 'key ids are 1-64 characters of [A-Za-z0-9_.-]' },
    );
  }
  return pair;
}
