/**
 * `herald keys generate`: a new random HS256 key, or with `--alg EdDSA` a new Ed25519 key pair,
 * printed as `HERALD_KEYS=` lines in the format `keysFromEnv` parses (src/security/key-sources.ts
 * holds the one definition of that format; every line printed here is parsed back by it first).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type Jwk, type KeySpec, keysFromJwks, parseKeyConfig } from '../src/index.js';
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

/** The environment variable `keysFromEnv` reads by default. */
export const KEYS_VARIABLE = 'HERALD_KEYS';

/** Checks that Herald's own parser reads `value` back into a working key ring. */
function parsesBack(value: string): void {
  createKeyRing(parseKeyConfig(value, `the generated ${KEYS_VARIABLE} line`));
}

/** `HERALD_KEYS=<kid>=base64url:<key>`: the list format, one HS256 key that signs. */
export function hs256Line(spec: KeySpec): string {
  const value = `${spec.kid}=${String(spec.secret)}`;
  parsesBack(value);
  return `${KEYS_VARIABLE}=${value}`;
}

/**
 * `HERALD_KEYS='{"keys":[<jwk>]}'`: the JSON format, single-quoted for shells and .env files
 * (a JWK's base64url members and ids never contain a quote).
 */
export function jwkLine(jwk: Jwk): string {
  const value = JSON.stringify({ keys: [jwk] });
  parsesBack(value);
  return `${KEYS_VARIABLE}='${value}'`;
}
