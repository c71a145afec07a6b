/**
 * `herald keys generate`: a new random HS256 key in the format `KeyConfig` accepts.
 */
import { randomBytes } from 'node:crypto';
import type { KeySpec } from '../src/index.js';
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
