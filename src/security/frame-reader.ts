/**
 * Reading a `herald/2` message (docs/wire-format.md §2-§4, §7 steps 3-6): the head, cached (a
 * stream from one publisher repeats it byte for byte); each claim's key checks and signature over
 * the bytes before the last space; and only after one verifies, the body.
 */
import { byteLength, type DecodeAllResult, type Header, refuse } from './envelope.js';
import { type Head, MAGIC, MAX_HEAD, readBody, readHead } from './frame.js';
import type { ResolvedKey } from './keys.js';
import { RejectReason } from './reasons.js';
import { type Verifier, worse } from './verify.js';

const HEAD_CACHE_SIZE = 256;
/** The signatures after the last space: base64url texts, comma-separated (§4). */
const SIGNATURES = /^[A-Za-z0-9_-]*(?:,[A-Za-z0-9_-]*){0,3}$/;

/** Reads herald/2 text (already size- and UTF-checked) into envelopes, or why not. */
export type FrameReader = (text: string) => DecodeAllResult;

/** The herald/2 reader of one node. */
export function createFrameReader(
  verifier: Verifier,
  check: (key: ResolvedKey, input: string, signature: string) => boolean,
  maxDepth: number,
): FrameReader {
  const heads = new Map<string, Head | null>();
  // The signature being checked, for one check function made once (not a closure per message);
  // verifier.one calls it synchronously, and it is cleared after, holding no message alive.
  const signing = { input: '', signature: '' };
  const checkSigning = (key: ResolvedKey): boolean => check(key, signing.input, signing.signature);
  let lastText = '';
  let last: Head | null = null;
  function cachedHead(text: string, end: number): Head | null {
    if (end === lastText.length && text.startsWith(lastText)) return last;
    // A copy that does not keep the whole message alive (V8 slices view their parent).
    const key = ` ${text.slice(0, end)}`.slice(1);
    let head = heads.get(key);
    if (head === undefined) {
      head = readHead(key);
      if (heads.size >= HEAD_CACHE_SIZE) heads.clear();
      heads.set(key, head);
    }
    lastText = key;
    last = head;
    return head;
  }

  return (text) => {
    const end = text.indexOf(' [', MAGIC.length);
    const head = end > 0 && end <= MAX_HEAD ? cachedHead(text, end) : null;
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
  };
}
