/**
 * The envelope codec: builds, signs and encodes outbound envelopes; decodes and verifies inbound
 * bytes. The wire format is JWS (RFC 7515) — compact serialization with one signature, general
 * JSON serialization with several (key rotation) — so any JOSE library can check it. The normative
 * description is docs/wire-format.md.
 *
 * Inbound order matters: size cap, then the signature over the exact bytes received, and only
 * then the payload is decoded (depth, duplicate and forbidden keys scanned before `JSON.parse`).
 * Unauthenticated bytes are never parsed beyond a small, bounded header.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, ValidationError } from '../errors.js';
import { type JsonProblem, scanJson } from './json-guard.js';
import type { KeyRing, ResolvedKey } from './keys.js';
import { RejectReason } from './reasons.js';

/** Envelope type, carried in the protected header as `typ`. */
export const ENVELOPE_TYPE = 'herald/1';

/** The fields a publisher signs. */
export interface EnvelopeFields {
  /** Random id of the publishing bus instance, fixed from `start()` to `stop()`. */
  readonly epoch: string;
  /** Per-publisher sequence number, from 1, gap-free across all topics of this epoch. */
  readonly seq: number;
  /** Milliseconds since the Unix epoch, at publish. */
  readonly time: number;
  /** Concrete topic (`room:42`). */
  readonly topic: string;
  readonly event: string;
  /** Schema version of `data`. */
  readonly version: number;
  /** Target node of a `directBroadcast`. */
  readonly to?: string;
  /** W3C trace context of the publish span. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly data: unknown;
}

/** A verified inbound envelope. */
export interface Envelope extends EnvelopeFields {
  /** Sender node, from the signed header. */
  readonly node: string;
  /** Key id whose signature verified. */
  readonly kid: string;
  /** Size on the wire, in bytes. */
  readonly size: number;
}

/** Decode limits for untrusted input. */
export interface DecodeLimits {
  /**
   * Largest message accepted, in bytes on the wire (a 1 MiB payload is about 1.4 MiB encoded).
   * @default 2097152
   */
  readonly maxBytes?: number;
  /**
   * Deepest nesting of objects and arrays in a payload.
   * @default 32
   */
  readonly maxDepth?: number;
}

/** A refusal from the codec. */
export interface CodecRejection {
  readonly reason: RejectReason;
  readonly detail: string;
  readonly kid?: string;
  readonly node?: string;
}

interface Header {
  readonly alg: string;
  readonly kid: string;
  readonly nid: string;
}

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 32;
const MAX_HEADER_CHARS = 512;
const MAX_SIGNATURES = 4;
const HEADER_CACHE_SIZE = 256;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;
const PROBLEM_TEXT: Record<JsonProblem, string> = {
  too_deep: 'nested too deep',
  duplicate_key: 'an object has the same key twice',
  forbidden_key: 'a __proto__ or constructor.prototype key',
  malformed: 'not serializable as JSON',
};
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// An empty signature segment (alg "none") is let through to be refused as algorithm_mismatch.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Node ids and epochs: no `:` (they are joined with `:` into message ids). */
const TOKEN = /^[A-Za-z0-9_.-]{1,64}$/;
const FIELDS = new Set([
  'epoch',
  'seq',
  'time',
  'topic',
  'event',
  'version',
  'to',
  'traceparent',
  'tracestate',
  'data',
]);

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

function mac(key: ResolvedKey, header: string, payload: string): string {
  return createHmac('sha256', key.key)
    .update(header)
    .update('.')
    .update(payload)
    .digest('base64url');
}

/**
 * Constant-time comparison of two base64url MACs; lengths are compared first (they are public).
 * `actual` is untrusted and is compared as UTF-8: a latin1 view would keep only the low byte of
 * each UTF-16 unit, so `U+0141` would pass for `A` and a valid signature could be re-spelled.
 */
function sameMac(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Builds the protected header of one key for one node. */
export function protectedHeader(kid: string, alg: string, node: string): string {
  return b64(JSON.stringify({ alg, kid, typ: ENVELOPE_TYPE, nid: node }));
}

/** Encodes envelope fields as the JSON payload, fields in a fixed order. */
export function payloadJson(fields: EnvelopeFields): string {
  let json = `{"epoch":${JSON.stringify(fields.epoch)},"seq":${fields.seq},"time":${fields.time},"topic":${JSON.stringify(fields.topic)},"event":${JSON.stringify(fields.event)},"version":${fields.version}`;
  if (fields.to !== undefined) json += `,"to":${JSON.stringify(fields.to)}`;
  if (fields.traceparent !== undefined)
    json += `,"traceparent":${JSON.stringify(fields.traceparent)}`;
  if (fields.tracestate !== undefined) json += `,"tracestate":${JSON.stringify(fields.tracestate)}`;
  const data = JSON.stringify(fields.data);
  return `${json},"data":${data === undefined ? 'null' : data}}`;
}

/** Encoder and decoder bound to one node's key ring. */
export interface Codec {
  /** Signs and encodes envelope fields for the wire. */
  encode(fields: EnvelopeFields): string;
  /** Verifies and decodes inbound bytes. Never throws. */
  decode(input: string | Uint8Array): Envelope | CodecRejection;
  /** True for bytes this node signed itself (its own echo on a shared channel), MAC checked. */
  isOwn(input: string | Uint8Array): boolean;
}

/** True when a decode result is a rejection. */
export function isRejection(result: Envelope | CodecRejection): result is CodecRejection {
  return (result as CodecRejection).reason !== undefined;
}

/** Creates the codec of one node. */
export function createCodec(ring: KeyRing, node: string, limits: DecodeLimits = {}): Codec {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const ownHeaders = ring.signing.map((key) => protectedHeader(key.kid, key.alg, node));
  const ownPrefix = ring.signing.length === 1 ? `${ownHeaders[0]}.` : undefined;
  const headerCache = new Map<string, Header | null>();

  function readHeader(segment: string): Header | null {
    const cached = headerCache.get(segment);
    if (cached !== undefined) return cached;
    let header: Header | null = null;
    if (segment.length <= MAX_HEADER_CHARS && /^[A-Za-z0-9_-]+$/.test(segment)) {
      try {
        const text = Buffer.from(segment, 'base64url').toString('utf8');
        if (scanJson(text, 2) === undefined) {
          const h = JSON.parse(text) as Record<string, unknown>;
          if (
            typeof h === 'object' &&
            h !== null &&
            h.typ === ENVELOPE_TYPE &&
            typeof h.alg === 'string' &&
            typeof h.kid === 'string' &&
            typeof h.nid === 'string' &&
            TOKEN.test(h.nid) &&
            Object.keys(h).length === 4
          ) {
            header = { alg: h.alg, kid: h.kid, nid: h.nid };
          }
        }
      } catch {
        header = null;
      }
    }
    if (headerCache.size >= HEADER_CACHE_SIZE) headerCache.clear();
    headerCache.set(segment, header);
    return header;
  }

  /** Verifies one signature; undefined on success, else why not. */
  function verifyOne(
    headerSeg: string,
    payloadSeg: string,
    signature: string,
  ): CodecRejection | Header {
    const header = readHeader(headerSeg);
    if (header === null)
      return {
        reason: RejectReason.Malformed,
        detail: 'the protected header is not a Herald header',
      };
    const key = ring.verify.get(header.kid);
    if (key === undefined) {
      return ring.retired.has(header.kid)
        ? {
            reason: RejectReason.RetiredKey,
            detail: `key "${header.kid}" is retired`,
            kid: header.kid,
            node: header.nid,
          }
        : {
            reason: RejectReason.UnknownKey,
            detail: `key "${header.kid}" is not in the allow-list`,
            kid: header.kid,
            node: header.nid,
          };
    }
    if (header.alg !== key.alg) {
      return {
        reason: RejectReason.AlgorithmMismatch,
        detail: `header says "${header.alg}" but key "${key.kid}" is pinned to ${key.alg}`,
        kid: key.kid,
        node: header.nid,
      };
    }
    if (!sameMac(mac(key, headerSeg, payloadSeg), signature)) {
      return {
        reason: RejectReason.BadSignature,
        detail: `signature with key "${key.kid}" does not verify`,
        kid: key.kid,
        node: header.nid,
      };
    }
    return header;
  }

  function decodePayload(
    payloadSeg: string,
    header: Header,
    size: number,
  ): Envelope | CodecRejection {
    const text = Buffer.from(payloadSeg, 'base64url').toString('utf8');
    const problem = scanJson(text, maxDepth + 1);
    if (problem !== undefined) {
      return {
        reason: problem,
        detail: `payload refused: ${problem.replace('_', ' ')}`,
        kid: header.kid,
        node: header.nid,
      };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return {
        reason: RejectReason.Malformed,
        detail: 'payload is not JSON',
        kid: header.kid,
        node: header.nid,
      };
    }
    const e = value as Record<string, unknown>;
    const shapeOk =
      typeof e === 'object' &&
      e !== null &&
      !Array.isArray(e) &&
      typeof e.epoch === 'string' &&
      TOKEN.test(e.epoch) &&
      Number.isSafeInteger(e.seq) &&
      (e.seq as number) > 0 &&
      Number.isSafeInteger(e.time) &&
      typeof e.topic === 'string' &&
      typeof e.event === 'string' &&
      Number.isSafeInteger(e.version) &&
      'data' in e &&
      (e.to === undefined || typeof e.to === 'string') &&
      (e.traceparent === undefined || typeof e.traceparent === 'string') &&
      (e.tracestate === undefined || typeof e.tracestate === 'string') &&
      Object.keys(e).every((k) => FIELDS.has(k));
    if (!shapeOk) {
      return {
        reason: RejectReason.Malformed,
        detail: 'payload is not a Herald envelope',
        kid: header.kid,
        node: header.nid,
      };
    }
    return { ...(e as unknown as EnvelopeFields), node: header.nid, kid: header.kid, size };
  }

  function toText(input: string | Uint8Array): string | CodecRejection {
    if (typeof input === 'string') {
      if (input.length > maxBytes)
        return { reason: RejectReason.Oversize, detail: `larger than ${maxBytes} bytes` };
      // The wire format is printable ASCII only, so characters and bytes count the same.
      if (NOT_PRINTABLE_ASCII.test(input))
        return {
          reason: RejectReason.Malformed,
          detail: 'input is not printable ASCII (JWS is base64url and JSON)',
        };
      return input;
    }
    if (input.byteLength > maxBytes)
      return { reason: RejectReason.Oversize, detail: `larger than ${maxBytes} bytes` };
    // The wire format is ASCII only; anything else is not ours.
    for (let i = 0; i < input.length; i++) {
      if (input[i]! > 0x7e || input[i]! < 0x20)
        return {
          reason: RejectReason.Malformed,
          detail: 'input is not ASCII (JWS is base64url and JSON)',
        };
    }
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  }

  function decodeGeneral(text: string): Envelope | CodecRejection {
    if (scanJson(text, 3) !== undefined)
      return { reason: RejectReason.Malformed, detail: 'not a JWS JSON serialization' };
    let outer: unknown;
    try {
      outer = JSON.parse(text);
    } catch {
      return { reason: RejectReason.Malformed, detail: 'not JSON' };
    }
    const o = outer as { payload?: unknown; signatures?: unknown };
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.payload !== 'string' ||
      !BASE64URL.test(o.payload) ||
      !Array.isArray(o.signatures) ||
      o.signatures.length === 0 ||
      o.signatures.length > MAX_SIGNATURES
    ) {
      return {
        reason: RejectReason.Malformed,
        detail: 'not a JWS JSON serialization with 1-4 signatures',
      };
    }
    let first: CodecRejection | undefined;
    let node: string | undefined;
    let verified: Header | undefined;
    for (const sig of o.signatures as unknown[]) {
      const s = sig as { protected?: unknown; signature?: unknown };
      if (
        typeof s !== 'object' ||
        s === null ||
        typeof s.protected !== 'string' ||
        typeof s.signature !== 'string'
      ) {
        return { reason: RejectReason.Malformed, detail: 'a signature entry is malformed' };
      }
      const result = verifyOne(s.protected, o.payload, s.signature);
      const nid = 'nid' in result ? result.nid : result.node;
      if (nid !== undefined) {
        if (node !== undefined && node !== nid)
          return { reason: RejectReason.Malformed, detail: 'signatures name different nodes' };
        node = nid;
      }
      if ('nid' in result) verified ??= result;
      else if (first === undefined || rank(result.reason) > rank(first.reason)) first = result;
    }
    if (verified) return decodePayload(o.payload, verified, text.length);
    return first!;
  }

  return {
    encode(fields) {
      const json = payloadJson(fields);
      // Refuse at the sender what every receiver would refuse: a publish must not report "sent"
      // for a message no node can accept.
      const problem = scanJson(json, maxDepth + 1);
      if (problem !== undefined) {
        throw new ValidationError(
          ErrorCode.InvalidPayload,
          `payload of ${fields.event} on "${fields.topic}" cannot be sent: ${problem.replace('_', ' ')}`,
          [{ path: '', keyword: problem, message: PROBLEM_TEXT[problem] }],
          {
            topic: fields.topic,
            event: fields.event,
            hint: `receivers refuse payloads deeper than ${maxDepth} levels, with duplicate keys, or with __proto__ / constructor.prototype keys`,
          },
        );
      }
      const payload = b64(json);
      if (ring.signing.length === 1) {
        return `${ownHeaders[0]}.${payload}.${mac(ring.signing[0]!, ownHeaders[0]!, payload)}`;
      }
      const signatures = ring.signing.map((key, i) => ({
        protected: ownHeaders[i]!,
        signature: mac(key, ownHeaders[i]!, payload),
      }));
      return JSON.stringify({ payload, signatures });
    },

    isOwn(input) {
      // Our own echo on a shared channel: our exact header AND a MAC that verifies with our key.
      // Anything else that merely starts with our header goes on to decode and is rejected there.
      if (ownPrefix === undefined) return false;
      const text = typeof input === 'string' ? input : toText(input);
      if (typeof text !== 'string' || !text.startsWith(ownPrefix)) return false;
      const dot2 = text.indexOf('.', ownPrefix.length);
      if (dot2 < 0) return false;
      const expected = mac(ring.signing[0]!, ownHeaders[0]!, text.slice(ownPrefix.length, dot2));
      return sameMac(expected, text.slice(dot2 + 1));
    },

    decode(input) {
      const text = toText(input);
      if (typeof text !== 'string') return text;
      if (text.charCodeAt(0) === 0x7b) return decodeGeneral(text);
      if (!COMPACT.test(text)) {
        return { reason: RejectReason.Malformed, detail: 'not a JWS compact serialization' };
      }
      const dot1 = text.indexOf('.');
      const dot2 = text.indexOf('.', dot1 + 1);
      const headerSeg = text.slice(0, dot1);
      const payloadSeg = text.slice(dot1 + 1, dot2);
      const result = verifyOne(headerSeg, payloadSeg, text.slice(dot2 + 1));
      if (!('nid' in result)) return result;
      return decodePayload(payloadSeg, result, text.length);
    },
  };
}

/** With several signatures, report the most telling failure: a bad signature over an unknown key. */
function rank(reason: RejectReason): number {
  switch (reason) {
    case RejectReason.BadSignature:
      return 4;
    case RejectReason.AlgorithmMismatch:
      return 3;
    case RejectReason.RetiredKey:
      return 2;
    case RejectReason.UnknownKey:
      return 1;
    default:
      return 0;
  }
}
