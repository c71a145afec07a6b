/**
 * HMAC-SHA256 bound to one HS256 key, for the codec's hot path: the RFC 2104 construction
 * `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))` over two one-shot `crypto.hash` calls, with the padded key
 * blocks computed once per key. Per message it skips what `createHmac` costs besides hashing
 * (a native Hmac object and its key set-up): about 0.5-0.8 µs of a 2.5-3.4 µs MAC over a
 * 600-byte message. The inner digest comes back as a 32-character latin1 string written straight
 * into the outer block (no Buffer allocated and copied), and the inputs' views of the scratch
 * buffer are kept per length: 1.5 → 0.95 µs per 340-byte `herald/2` signing input (median of
 * paired CPU-time rounds, load ~12). The bytes are `createHmac(...).update(text, 'latin1')`'s
 * exactly; a
 * differential property test (test/property/hmac.property.test.ts) holds the two equal.
 *
 * Where `crypto.hash` is missing (Node before 20.12), or the input is larger than the scratch
 * buffer, it uses `createHmac`. The padded key blocks are secret-equivalent: they live only in
 * this closure, in buffers of their own (not slices of Node's shared pool), and are never logged.
 */
import * as nodeCrypto from 'node:crypto';
import { writeLatin1, writeUtf8 } from './buffer-write.js';
import type { HmacKey } from './keys.js';

/** SHA-256 block size in bytes: RFC 2104's B. */
const BLOCK = 64;
/** Largest signing input hashed from the scratch buffer; longer ones go through `createHmac`. */
const SCRATCH = 64 * 1024;
/** Bytes of a SHA-256 digest. */
const DIGEST = 32;
/** The space before a `herald/2` message's signatures. */
const SPACE = 0x20;
/** Signing inputs up to this many bytes hash a view of the scratch buffer kept for their length. */
const VIEWS = 4096;

/** A one-shot hash function with `crypto.hash`'s signature, as the MAC calls it. */
export type OneShotHash = (
  algorithm: 'sha256',
  data: Uint8Array,
  encoding: 'latin1' | 'base64url',
) => string;

/** HMAC-SHA256 of one key. */
export interface Mac {
  /**
   * The base64url MAC of the first `length` characters of `text`, each taken as one byte as
   * `update(text, 'latin1')` takes it (the JWS signing input is ASCII).
   */
  of(text: string, length: number): string;
  /**
   * True when `signature` is, as text, the canonical base64url MAC of those characters.
   * Compared in constant time with respect to content (lengths are public and compared first),
   * as UTF-8, so a non-ASCII character never passes for the ASCII one of its low byte.
   */
  check(text: string, length: number, signature: string): boolean;
  /** The base64url MAC of `text` as UTF-8 (the `herald/2` signing input). */
  ofUtf8(text: string): string;
  /** True when `signature` is, as text, the canonical base64url MAC of `text` as UTF-8. */
  checkUtf8(text: string, signature: string): boolean;
  /**
   * For a text that ends in a space and a `length`-character signature (a `herald/2` message of
   * one signature): the UTF-8 length of the whole text when that signature is, as text, the
   * canonical base64url MAC of the UTF-8 bytes before the space, otherwise -1. One write of the
   * text gives the signed bytes and the message size, with no slice of the signing input.
   */
  checkLast(text: string, length: number): number;
}

/**
 * Binds HMAC-SHA256 to `key`.
 * @param oneShot the one-shot hash to use; `crypto.hash` where Node has it.
 */
export function createMac(
  key: HmacKey,
  oneShot: OneShotHash | undefined = (nodeCrypto as { hash?: OneShotHash }).hash,
): Mac {
  const slow = (text: string, length: number): string =>
    nodeCrypto
      .createHmac('sha256', key.key)
      .update(length === text.length ? text : text.slice(0, length), 'latin1')
      .digest('base64url');
  // A signature to compare is as many UTF-16 units as the expected one (43), at most 3 bytes each.
  const compare = Buffer.allocUnsafeSlow(BLOCK * 4);
  // Views of `compare` per signature length (at most BLOCK): made once, not per message.
  const pairs: [Buffer, Buffer][] = [];
  const sameText = (expected: string, actual: string): boolean => {
    if (actual.length !== expected.length || expected.length > BLOCK) return false;
    const n = writeLatin1(compare, expected, 0);
    const m = writeUtf8(compare, actual, BLOCK);
    if (m !== n) return false;
    const pair = (pairs[n] ??= [compare.subarray(0, n), compare.subarray(BLOCK, BLOCK + n)]);
    return nodeCrypto.timingSafeEqual(pair[0], pair[1]);
  };
  const slowUtf8 = (text: string): string =>
    nodeCrypto.createHmac('sha256', key.key).update(text, 'utf8').digest('base64url');
  if (oneShot === undefined) {
    return {
      of: slow,
      check: (text, length, signature) => sameText(slow(text, length), signature),
      ofUtf8: slowUtf8,
      checkUtf8: (text, signature) => sameText(slowUtf8(text), signature),
      checkLast: (text, length) =>
        checkBySlices(text, length, (input, signature) => sameText(slowUtf8(input), signature)),
    };
  }
  // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is padded with zeros.
  let secret = key.key.export();
  if (secret.length > BLOCK) secret = nodeCrypto.createHash('sha256').update(secret).digest();
  const inner = Buffer.allocUnsafeSlow(BLOCK + SCRATCH);
  const outer = Buffer.allocUnsafeSlow(BLOCK + DIGEST);
  for (let i = 0; i < BLOCK; i++) {
    const byte = secret[i] ?? 0;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  secret.fill(0);
  // A view of `inner` over the pad block and `length` input bytes; short ones are made once.
  const views: Buffer[] = [];
  const view = (length: number): Buffer =>
    length > VIEWS
      ? inner.subarray(0, BLOCK + length)
      : (views[length] ??= inner.subarray(0, BLOCK + length));
  // The inner digest as latin1 text is its 32 bytes one per character: written back as latin1,
  // they are the same bytes, with no Buffer allocated for them.
  const digest = (length: number): string => {
    writeLatin1(outer, oneShot('sha256', view(length), 'latin1'), BLOCK);
    return oneShot('sha256', outer, 'base64url');
  };
  const of = (text: string, length: number): string => {
    if (length > SCRATCH || length > text.length) return slow(text, length);
    inner.write(text, BLOCK, length, 'latin1');
    return digest(length);
  };
  // A text whose UTF-8 does not fit the scratch buffer goes through createHmac.
  const ofUtf8 = (text: string): string => {
    if (!fits(text)) return slowUtf8(text);
    return digest(writeUtf8(inner, text, BLOCK));
  };
  const checkUtf8 = (text: string, signature: string) => sameText(ofUtf8(text), signature);
  // When the last `length` characters match the MAC's ASCII text, they were `length` bytes.
  const checkLast = (text: string, length: number): number => {
    const space = text.length - length - 1;
    if (space < 0 || text.charCodeAt(space) !== SPACE) return -1;
    if (!fits(text)) return checkBySlices(text, length, checkUtf8);
    const bytes = writeUtf8(inner, text, BLOCK);
    return sameText(digest(bytes - length - 1), text.slice(space + 1)) ? bytes : -1;
  };
  const check = (text: string, length: number, signature: string) =>
    sameText(of(text, length), signature);
  return { of, check, ofUtf8, checkUtf8, checkLast };
}

/**
 * Whether a text's UTF-8 fits the scratch buffer. UTF-8 takes at most 3 bytes per UTF-16 unit: a
 * longer text is measured (a full batch frame of ASCII JSON, about 33k characters, still fits).
 */
function fits(text: string): boolean {
  return text.length * 3 <= SCRATCH || Buffer.byteLength(text) <= SCRATCH;
}

/** {@link Mac.checkLast} by slicing the text in two and checking with `checkUtf8`. */
function checkBySlices(
  text: string,
  length: number,
  checkUtf8: (input: string, signature: string) => boolean,
): number {
  const space = text.length - length - 1;
  if (space < 0 || text.charCodeAt(space) !== SPACE) return -1;
  return checkUtf8(text.slice(0, space), text.slice(space + 1)) ? Buffer.byteLength(text) : -1;
}
