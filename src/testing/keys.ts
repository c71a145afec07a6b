/**
 * Deterministic signing keys for tests. FOR TESTS ONLY: the secrets are derived from public
 * strings, so anyone can compute them and forge messages. Never use them in production.
 */
import { createHash } from 'node:crypto';
import type { KeyConfig } from '../security/keys.js';

/**
 * A key configuration holding one deterministic, TEST-ONLY 32-byte HS256 key.
 *
 * The secret is `SHA-256("herald test key (insecure): <kid>")`: the same `kid` gives the same key
 * in every process (so buses in separate test processes verify each other), and different key ids
 * give different secrets. Anyone can recompute it — never use it outside tests.
 *
 * @param kid key id. @default 'test'
 * @example createBus({ registry, keys: testKeys() })
 */
export function testKeys(kid = 'test'): KeyConfig {
  const secret = createHash('sha256').update(`herald test key (insecure): ${kid}`).digest();
  return { keys: [{ kid, secret: `base64url:${secret.toString('base64url')}` }] };
}
