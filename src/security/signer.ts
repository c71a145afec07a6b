/**
 * The signatures of one node's keys over a `herald/2` signing input (docs/wire-format.md §4): the
 * UTF-8 bytes of the message before its last space. HS256 keys go through a MAC bound once to the
 * key (hmac.ts: about 40% cheaper per message than `createHmac`); EdDSA keys through node:crypto.
 * The algorithm is always the key's, never the message's.
 */
import { ErrorCode, HeraldError } from '../errors.js';
import { byteLength } from './envelope.js';
import { createMac, type Mac } from './hmac.js';
import { Algorithm, type KeyRing, type ResolvedKey } from './keys.js';
import { signInput, verifyInput } from './signature.js';

/** Signing and checking with one node's keys. */
export interface Signer {
  /** The MACs of this node's HS256 keys (herald/1 reading checks with them too). */
  readonly macs: ReadonlyMap<ResolvedKey, Mac>;
  /** `input`, a space, then one signature per signing key, comma-separated. */
  sign(input: string): string;
  /** True when `signature` is `key`'s signature of `input` (constant-time, as text). */
  check(key: ResolvedKey, input: string, signature: string): boolean;
  /** `wire`, or a MESSAGE_TOO_LARGE error when it is over `maxBytes` bytes (no node would take it). */
  sized(wire: string, topic: string, event: string): string;
}

/** The signer of a node holding `ring`, sending at most `maxBytes` per message. */
export function createSigner(ring: KeyRing, maxBytes: number): Signer {
  const macs = new Map<ResolvedKey, Mac>();
  for (const key of ring.verify.values())
    if (key.alg === Algorithm.HS256) macs.set(key, createMac(key));

  const signWith = (key: ResolvedKey, input: string): string =>
    macs.get(key)?.ofUtf8(input) ?? signInput(key, Buffer.from(input, 'utf8'));

  return {
    macs,
    sign(input) {
      if (ring.signing.length === 1) return `${input} ${signWith(ring.signing[0]!, input)}`;
      return `${input} ${ring.signing.map((key) => signWith(key, input)).join(',')}`;
    },
    check(key, input, signature) {
      const mac = macs.get(key);
      if (mac !== undefined) return mac.checkUtf8(input, signature);
      return verifyInput(key, Buffer.from(input, 'utf8'), signature);
    },
    sized(wire, topic, event) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: most messages need no count at all.
      if (wire.length * 3 <= maxBytes) return wire;
      const bytes = byteLength(wire);
      if (bytes <= maxBytes) return wire;
      throw new HeraldError(
        ErrorCode.MessageTooLarge,
        `message on "${topic}" is ${bytes} bytes encoded; the limit is ${maxBytes}`,
        {
          topic,
          event,
          hint: 'send less data per message, or raise limits.maxBytes on every node',
        },
      );
    },
  };
}
