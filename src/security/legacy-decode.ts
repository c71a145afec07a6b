/**
 * Decoding `herald/1` messages (docs/wire-format.md §8, read only): the JWS compact
 * serialization with one signature, the general JSON serialization with up to four. Each
 * signature's key checks are the verifier's (verify.ts); the MAC covers the base64url segments
 * exactly as received (`H "." P`, RFC 7515 §5.1).
 */
import type { CodecRejection, DecodeAllResult, Header } from './envelope.js';
import { refuse } from './envelope.js';
import type { Mac } from './hmac.js';
import { scanJson } from './json-guard.js';
import type { ResolvedKey } from './keys.js';
import { printable, readEnvelope, readHeader } from './legacy-envelope.js';
import { RejectReason } from './reasons.js';
import { verifySegments } from './signature.js';
import { type Verifier, worse } from './verify.js';

const MAX_SIGNATURES = 4;
const HEADER_CACHE_SIZE = 256;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// An empty signature segment (alg "none") is let through to be refused as algorithm_mismatch.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Reads herald/1 text (already size-checked) into envelopes, or why not. */
export type LegacyReader = (text: string) => DecodeAllResult;

/** The herald/1 reader of one node. */
export function createLegacyReader(
  verifier: Verifier,
  macs: ReadonlyMap<ResolvedKey, Mac>,
  maxDepth: number,
): LegacyReader {
  const cachedHeader = headerCache();

  function verifyOne(h: string, p: string, signature: string, wire?: string) {
    const header = cachedHeader(h);
    if (header === null)
      return refuse(RejectReason.Malformed, 'the protected header is not a Herald header');
    return verifier.one(header, (key) => {
      const mac = macs.get(key);
      if (mac === undefined) return verifySegments(key, h, p, signature);
      return mac.check(wire ?? `${h}.${p}`, h.length + 1 + p.length, signature);
    });
  }

  function compact(text: string): DecodeAllResult {
    if (!COMPACT.test(text))
      return refuse(
        RejectReason.Malformed,
        'not a herald/2 message nor a JWS compact serialization',
      );
    const dot1 = text.indexOf('.');
    const dot2 = text.indexOf('.', dot1 + 1);
    const payload = text.slice(dot1 + 1, dot2);
    const result = verifyOne(text.slice(0, dot1), payload, text.slice(dot2 + 1), text);
    if (!result.ok) return result;
    const envelopes = readEnvelope(payload, result.header, text.length, maxDepth);
    return envelopes.ok ? verifier.scoped(envelopes.envelopes, [result.header]) : envelopes;
  }

  function general(text: string): DecodeAllResult {
    const outer = readOuter(text);
    if (!outer.ok) return outer;
    const { payload, sigs } = outer;
    let first: ReturnType<typeof refuse> | undefined;
    let node: string | undefined;
    const verified: Header[] = [];
    for (const sig of sigs) {
      if (!isSignatureEntry(sig))
        return refuse(RejectReason.Malformed, 'a signature entry is malformed');
      const s = sig;
      const result = verifyOne(s.protected, payload, s.signature);
      const nid = result.ok ? result.header.nid : result.node;
      if (nid !== undefined) {
        if (node !== undefined && node !== nid)
          return refuse(RejectReason.Malformed, 'signatures name different nodes');
        node = nid;
      }
      if (!result.ok) first = worse(first, result);
      else if (verified.length > 0 && verified[0]!.batch !== result.header.batch)
        return refuse(RejectReason.Malformed, 'signatures disagree on the type');
      else verified.push(result.header);
    }
    if (verified.length === 0) return first!;
    const envelopes = readEnvelope(payload, verified[0]!, text.length, maxDepth);
    return envelopes.ok ? verifier.scoped(envelopes.envelopes, verified) : envelopes;
  }

  return (text) => {
    // herald/1 is printable ASCII only: base64url, dots, and JSON punctuation.
    if (!printable(text))
      return refuse(
        RejectReason.Malformed,
        'not a herald/2 message, and not printable ASCII as herald/1 is',
      );
    return text.charCodeAt(0) === 0x7b ? general(text) : compact(text);
  };
}

/** Protected headers read once per segment text, the last HEADER_CACHE_SIZE of them. */
function headerCache(): (segment: string) => Header | null {
  const cache = new Map<string, Header | null>();
  return (segment) => {
    let header = cache.get(segment);
    if (header === undefined) {
      header = readHeader(segment);
      if (cache.size >= HEADER_CACHE_SIZE) cache.clear();
      // A copy that does not keep the whole message alive (V8 slices view their parent).
      cache.set(` ${segment}`.slice(1), header);
    }
    return header;
  };
}

/** The general serialization's outer object: its payload and 1-4 signature entries, or why not. */
function readOuter(
  text: string,
):
  | { readonly ok: true; readonly payload: string; readonly sigs: readonly unknown[] }
  | CodecRejection {
  if (scanJson(text, 3) !== undefined)
    return refuse(RejectReason.Malformed, 'not a JWS JSON serialization');
  let outer: unknown;
  try {
    outer = JSON.parse(text);
  } catch {
    return refuse(RejectReason.Malformed, 'not JSON');
  }
  const o = outer as { payload?: unknown; signatures?: unknown };
  const sigs = o?.signatures;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.payload !== 'string' ||
    !BASE64URL.test(o.payload) ||
    !Array.isArray(sigs) ||
    sigs.length === 0 ||
    sigs.length > MAX_SIGNATURES
  )
    return refuse(RejectReason.Malformed, 'not a JWS JSON serialization with 1-4 signatures');
  return { ok: true, payload: o.payload, sigs };
}

/** One entry of `signatures`: a protected header and a signature, both strings. */
function isSignatureEntry(sig: unknown): sig is { protected: string; signature: string } {
  const s = sig as { protected?: unknown; signature?: unknown };
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.protected === 'string' &&
    typeof s.signature === 'string'
  );
}
