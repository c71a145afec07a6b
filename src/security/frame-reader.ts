/**
 * Reading a `herald/2` message (docs/wire-format.md §2-§4, §7 steps 3-6): the head, cached (a
 * stream from one publisher repeats it byte for byte); each claim's key checks and signature over
 * the bytes before the last space; and only after one verifies, the body.
 *
 * A message with the last head read, when that head is one HS256 claim whose key checks pass,
 * first takes a shorter road to the same verdict: the head compared as text, and the MAC checked
 * over the text with its last 43 characters as the signature ({@link Mac.checkLast}). When they
 * are the canonical MAC, they are base64url with no space, so the general reading would find
 * the same head, last space, signature and signing input, and accept; anything else is read
 * the general way, which finds out why.
 */
import { byteLength, type DecodeAllResult, type Header, refuse } from './envelope.js';
import { type Head, MAGIC, MAX_HEAD, readBody, readHead } from './frame.js';
import type { Mac } from './hmac.js';
import { Algorithm, type ResolvedKey } from './keys.js';
import { RejectReason } from './reasons.js';
import type { Signer } from './signer.js';
import { type Verifier, worse } from './verify.js';

const HEAD_CACHE_SIZE = 256;
/** The signatures after the last space: base64url texts, comma-separated (§4). */
const SIGNATURES = /^[A-Za-z0-9_-]*(?:,[A-Za-z0-9_-]*){0,3}$/;
/** Characters of an HS256 signature: 32 bytes in base64url without padding. */
const HS256_CHARS = 43;
const SPACE = 0x20;
const OPEN_ARRAY = 0x5b;

/**
 * Reads text (already size- and UTF-checked) into envelopes, or why not; undefined when it does
 * not start as a `herald/2` message.
 */
export type FrameReader = (text: string) => DecodeAllResult | undefined;

/** The herald/2 reader of one node. */
export function createFrameReader(
  verifier: Verifier,
  signer: Pick<Signer, 'check' | 'macs'>,
  maxDepth: number,
): FrameReader {
  // The signature being checked, for one check function made once (not a closure per message);
  // verifier.one calls it synchronously, and it is cleared after, holding no message alive.
  const signing = { input: '', signature: '' };
  const checkSigning = (key: ResolvedKey): boolean =>
    signer.check(key, signing.input, signing.signature);
  const cache: HeadCache = { heads: new Map(), text: '', head: null, mac: undefined };
  const macOf = (claim: Header): Mac | undefined => {
    const key = verifier.keyFor(claim);
    return key?.alg === Algorithm.HS256 ? signer.macs.get(key) : undefined;
  };

  /** The short road: the last head, one HS256 signature that verifies; else undefined. */
  function known(text: string): DecodeAllResult | undefined {
    const end = cache.text.length;
    const space = text.length - HS256_CHARS - 1;
    const mac = cache.mac;
    if (
      mac === undefined ||
      space <= end + 1 ||
      text.charCodeAt(end) !== SPACE ||
      text.charCodeAt(end + 1) !== OPEN_ARRAY ||
      !text.startsWith(cache.text)
    )
      return undefined;
    const bytes = mac.checkLast(text, HS256_CHARS);
    if (bytes < 0) return undefined;
    const head = cache.head!;
    const read = readBody(text.slice(end + 1, space), head, head.claims[0]!, bytes, maxDepth);
    return read.ok ? verifier.scoped(read.envelopes, head.claims) : read;
  }

  function general(text: string): DecodeAllResult {
    const end = text.indexOf(' [', MAGIC.length);
    const head = end > 0 && end <= MAX_HEAD ? cachedHead(cache, text, end, macOf) : null;
    if (head === null) return refuse(RejectReason.Malformed, 'the head is not a herald/2 head');
    const space = text.lastIndexOf(' ');
    const claims = head.claims;
    const signatures = text.slice(space + 1);
    const each = claims.length === 1 ? [signatures] : signatures.split(',');
    if (space <= end + 1 || each.length !== claims.length || !SIGNATURES.test(signatures)) {
      const detail = `not one base64url signature per key of the head (${claims.length})`;
      return refuse(RejectReason.Malformed, detail);
    }
    const input = text.slice(0, space);
    let failed: ReturnType<typeof refuse> | undefined;
    const verified: Header[] = [];
    for (let i = 0; i < claims.length; i++) {
      signing.input = input;
      signing.signature = each[i]!;
      const result = verifier.one(claims[i]!, checkSigning);
      if (result.ok) verified.push(result.header);
      else failed = worse(failed, result);
    }
    signing.input = signing.signature = '';
    if (verified.length === 0) return failed!;
    const body = text.slice(end + 1, space);
    const read = readBody(body, head, verified[0]!, byteLength(text), maxDepth);
    return read.ok ? verifier.scoped(read.envelopes, verified) : read;
  }

  return (text) => known(text) ?? (text.startsWith(MAGIC) ? general(text) : undefined);
}

/** The heads read (by text), and the last one with its MAC when the short road applies to it. */
interface HeadCache {
  readonly heads: Map<string, Head | null>;
  text: string;
  head: Head | null;
  mac: Mac | undefined;
}

/** The head of `text` (its first `end` characters), remembered as the last one. */
function cachedHead(
  cache: HeadCache,
  text: string,
  end: number,
  macOf: (claim: Header) => Mac | undefined,
): Head | null {
  if (end === cache.text.length && text.startsWith(cache.text)) return cache.head;
  // A copy that does not keep the whole message alive (V8 slices view their parent).
  const key = ` ${text.slice(0, end)}`.slice(1);
  let head = cache.heads.get(key);
  if (head === undefined) {
    head = readHead(key);
    if (cache.heads.size >= HEAD_CACHE_SIZE) cache.heads.clear();
    cache.heads.set(key, head);
  }
  cache.text = key;
  cache.head = head;
  cache.mac = head === null || head.claims.length !== 1 ? undefined : macOf(head.claims[0]!);
  return head;
}
