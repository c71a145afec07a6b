/**
 * Reading `herald/1` (docs/wire-format.md §8, read only): the JWS protected header, before any
 * signature check (small and bounded), and the base64url payload after one (UTF-8, then size and
 * depth scanned before `JSON.parse`, then the exact envelope shape of §8.2). Herald no longer
 * writes this format; it reads it so that nodes of 0.1.0 and of this release can share a
 * transport during a node-by-node upgrade.
 */
import { isUtf8 } from 'node:buffer';
import { ID_PATTERN } from '../rules.js';
import { type DecodeAllResult, type Envelope, type Header, MAX_BATCH, refuse } from './envelope.js';
import { scanJson } from './json-guard.js';
import { RejectReason } from './reasons.js';

/** The `typ` of a herald/1 JWS. */
export const LEGACY_TYPE = 'herald/1';
/** The `typ` of a herald/1 batch JWS. */
export const LEGACY_BATCH_TYPE = 'herald/1+batch';

/** A tenant tag: 32 lowercase hex digits (tenant.ts, `tenantTag`). */
const TENANT_TAG = /^[0-9a-f]{32}$/;
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
const MAX_HEADER_CHARS = 512;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/** Reads a protected header segment; null unless it is exactly a `herald/1` header. */
export function readHeader(segment: string): Header | null {
  if (segment.length > MAX_HEADER_CHARS || !/^[A-Za-z0-9_-]+$/.test(segment)) return null;
  try {
    const bytes = Buffer.from(segment, 'base64url');
    // Not UTF-8: toString would substitute U+FFFD, and two headers would read the same.
    const text = isUtf8(bytes) ? bytes.toString('utf8') : '';
    if (text === '' || scanJson(text, 2) !== undefined) return null;
    const h = JSON.parse(text) as Record<string, unknown>;
    const ok =
      typeof h === 'object' &&
      h !== null &&
      (h.typ === LEGACY_TYPE || h.typ === LEGACY_BATCH_TYPE) &&
      typeof h.alg === 'string' &&
      typeof h.kid === 'string' &&
      typeof h.nid === 'string' &&
      ID_PATTERN.test(h.nid) &&
      (h.ten === undefined || (typeof h.ten === 'string' && TENANT_TAG.test(h.ten))) &&
      Object.keys(h).length === (h.ten === undefined ? 4 : 5);
    if (!ok) return null;
    const header = { alg: h.alg as string, kid: h.kid as string, nid: h.nid as string };
    const batch = h.typ === LEGACY_BATCH_TYPE;
    return h.ten === undefined ? { ...header, batch } : { ...header, ten: h.ten as string, batch };
  } catch {
    return null;
  }
}

/**
 * Decodes a verified payload segment: refused when too deep, with a repeated or forbidden key, not
 * JSON, or not exactly a herald/1 envelope (or, under a batch header, a batch).
 */
export function readEnvelope(
  payloadSeg: string,
  header: Header,
  size: number,
  maxDepth: number,
): DecodeAllResult {
  const bytes = Buffer.from(payloadSeg, 'base64url');
  if (!isUtf8(bytes))
    return refuse(RejectReason.Malformed, 'payload is not valid UTF-8 (RFC 3629)', header);
  const text = bytes.toString('utf8');
  // A batch nests each message two levels deeper (the batch array, the message object).
  const problem = scanJson(text, maxDepth + (header.batch ? 3 : 1));
  if (problem !== undefined)
    return refuse(problem, `payload refused: ${problem.replace('_', ' ')}`, header);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse(RejectReason.Malformed, 'payload is not JSON', header);
  }
  const e = value as Record<string, unknown>;
  const root =
    typeof e === 'object' &&
    e !== null &&
    !Array.isArray(e) &&
    typeof e.epoch === 'string' &&
    ID_PATTERN.test(e.epoch);
  if (!header.batch) {
    const env =
      root && onlyFields(e, true) ? readItem(e, e.epoch as string, header, size) : undefined;
    return env === undefined
      ? refuse(RejectReason.Malformed, 'payload is not a Herald envelope', header)
      : { ok: true, envelopes: [env] };
  }
  const batch = root ? e.batch : undefined;
  if (
    !Array.isArray(batch) ||
    batch.length === 0 ||
    batch.length > MAX_BATCH ||
    Object.keys(e).length !== 2
  )
    return refuse(
      RejectReason.Malformed,
      `payload is not a Herald batch of 1-${MAX_BATCH} messages`,
      header,
    );
  const share = Math.ceil(size / batch.length);
  const out: Envelope[] = [];
  for (const item of batch) {
    const env =
      typeof item === 'object' && item !== null && !Array.isArray(item) && onlyFields(item, false)
        ? readItem(item as Record<string, unknown>, e.epoch as string, header, share)
        : undefined;
    if (env === undefined)
      return refuse(
        RejectReason.Malformed,
        'a message of the batch is not a Herald envelope',
        header,
      );
    out.push(env);
  }
  return { ok: true, envelopes: out };
}

/** The envelope of one message's fields, or undefined when they are not exactly herald/1's. */
function readItem(
  e: Record<string, unknown>,
  epoch: string,
  header: Header,
  size: number,
): Envelope | undefined {
  const shapeOk =
    Number.isSafeInteger(e.seq) &&
    (e.seq as number) > 0 &&
    Number.isSafeInteger(e.time) &&
    typeof e.topic === 'string' &&
    typeof e.event === 'string' &&
    Number.isSafeInteger(e.version) &&
    'data' in e &&
    (e.to === undefined || typeof e.to === 'string') &&
    (e.traceparent === undefined || typeof e.traceparent === 'string') &&
    (e.tracestate === undefined || typeof e.tracestate === 'string');
  if (!shapeOk) return undefined;
  const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = {
    epoch,
    seq: e.seq as number,
    time: e.time as number,
    topic: e.topic as string,
    event: e.event as string,
    version: e.version as number,
    data: e.data,
    node: header.nid,
    kid: header.kid,
    size,
  };
  if (e.to !== undefined) envelope.to = e.to as string;
  if (e.traceparent !== undefined) envelope.traceparent = e.traceparent as string;
  if (e.tracestate !== undefined) envelope.tracestate = e.tracestate as string;
  return envelope;
}

/** True when every member is an envelope field (`withEpoch`: epoch allowed, as in a single one). */
function onlyFields(e: object, withEpoch: boolean): boolean {
  for (const key in e) if ((!withEpoch && key === 'epoch') || !FIELDS.has(key)) return false;
  return true;
}

/** True when `text` is printable ASCII only, as every herald/1 message is. */
export const printable = (text: string): boolean => !NOT_PRINTABLE_ASCII.test(text);
