/**
 * The `herald/2` frame (docs/wire-format.md §2-§4): `<head> <body> <signatures>`, where the
 * signatures cover every byte before the last space, exactly as sent — no base64, no re-encoding.
 *
 *   head  `herald/2 HS256:k1 node-a 21e75fd8c279bdc1`     (key list, node, epoch[, tenant tag])
 *   body  `[[1,1767225600000,"room:42","message",1,{…}]]` (1-1024 messages, each an array)
 *
 * Writing is string concatenation in a fixed order; reading takes the head apart with one
 * anchored pattern before any signature check (bounded: at most 512 characters), and the body
 * only after one (depth, duplicate and forbidden keys refused with the structural scan's verdict:
 * json-parse.ts).
 */
import {
  type DecodeAllResult,
  ENVELOPE_TYPE,
  type Envelope,
  type Header,
  type ItemFields,
  MAX_BATCH,
  refuse,
} from './envelope.js';
import { parseJson } from './json-parse.js';
import { RejectReason } from './reasons.js';

/** Longest head accepted, in characters (4 keys of 64-character ids, node, epoch, tenant). */
export const MAX_HEAD = 512;

/** A head as read from the wire, before any signature is checked. */
export interface Head {
  /** One claim per signature, in order: its algorithm and key id, with the node and tenant. */
  readonly claims: readonly Header[];
  readonly nid: string;
  readonly epoch: string;
  readonly ten?: string;
}

const ID = '[A-Za-z0-9_.-]{1,64}';
const CLAIM = `[A-Za-z0-9]{1,16}:${ID}`;
const HEAD = new RegExp(
  `^herald/2 (${CLAIM}(?:,${CLAIM}){0,3}) (${ID}) (${ID})(?: ([0-9a-f]{32}))?$`,
);
/** The first characters of every `herald/2` message. */
export const MAGIC = `${ENVELOPE_TYPE} `;

/** The head of a publisher's messages (§2), its key claims in signing order. */
export function headText(
  keys: readonly { readonly alg: string; readonly kid: string }[],
  nid: string,
  epoch: string,
  ten?: string,
): string {
  const claims = keys.map((k) => `${k.alg}:${k.kid}`).join(',');
  return `${MAGIC}${claims} ${nid} ${epoch}${ten === undefined ? '' : ` ${ten}`}`;
}

/**
 * One message (§3): `[seq,time,topic,event,version,data]`, then `to`, `traceparent` and
 * `tracestate` up to the last one present (`null` for one absent before it).
 */
export function itemJson(f: ItemFields): string {
  const data = JSON.stringify(f.data);
  let json = `[${f.seq},${f.time},${quoted(f.topic)},${quoted(f.event)},${f.version},${data === undefined ? 'null' : data}`;
  const extra =
    f.tracestate !== undefined ? 3 : f.traceparent !== undefined ? 2 : f.to !== undefined ? 1 : 0;
  if (extra > 0) json += `,${optional(f.to)}`;
  if (extra > 1) json += `,${optional(f.traceparent)}`;
  if (extra > 2) json += `,${optional(f.tracestate)}`;
  return `${json}]`;
}

// The last strings quoted: a stream of publishes repeats its topic and event.
const lastText = ['', ''];
const lastJson = ['""', '""'];
let lastSlot = 0;

/** `JSON.stringify(text)`, remembered for the last two strings quoted. */
function quoted(text: string): string {
  if (text === lastText[0]) return lastJson[0]!;
  if (text === lastText[1]) return lastJson[1]!;
  const json = JSON.stringify(text);
  lastSlot ^= 1;
  lastText[lastSlot] = text;
  lastJson[lastSlot] = json;
  return json;
}

const optional = (value: string | undefined): string =>
  value === undefined ? 'null' : JSON.stringify(value);

/** Reads a head (the text before ` [`); null unless it is exactly a `herald/2` head. */
export function readHead(text: string): Head | null {
  const m = text.length <= MAX_HEAD ? HEAD.exec(text) : null;
  if (m === null) return null;
  const nid = m[2]!;
  const ten = m[4];
  const claims: Header[] = [];
  for (const claim of m[1]!.split(',')) {
    const colon = claim.indexOf(':');
    const kid = claim.slice(colon + 1);
    if (claims.some((c) => c.kid === kid)) return null;
    const alg = claim.slice(0, colon);
    claims.push(
      ten === undefined ? { alg, kid, nid, batch: false } : { alg, kid, nid, ten, batch: false },
    );
  }
  return ten === undefined ? { claims, nid, epoch: m[3]! } : { claims, nid, epoch: m[3]!, ten };
}

/**
 * Decodes a verified body (§3): refused when too deep, with a repeated or forbidden key, not
 * JSON, or not 1-1024 messages of §3's shape. `size` is the message's bytes on the wire.
 */
export function readBody(
  body: string,
  head: Head,
  signer: Header,
  size: number,
  maxDepth: number,
): DecodeAllResult {
  // The body array and the message array hold `data`: two levels more than its own.
  const parsed = parseJson(body, maxDepth + 2);
  if (!parsed.ok) {
    const { problem } = parsed;
    if (problem === 'malformed') return refuse(RejectReason.Malformed, 'body is not JSON', signer);
    return refuse(problem, `payload refused: ${problem.replace('_', ' ')}`, signer);
  }
  const value = parsed.value;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_BATCH)
    return refuse(RejectReason.Malformed, `body is not 1-${MAX_BATCH} messages`, signer);
  // Each message of a batch reports its share of the bytes that carried it.
  const share = value.length === 1 ? size : Math.ceil(size / value.length);
  const out: Envelope[] = [];
  for (const item of value) {
    const env = Array.isArray(item) ? readItem(item, head, signer, share) : undefined;
    if (env === undefined)
      return refuse(RejectReason.Malformed, 'a message is not a herald/2 message', signer);
    out.push(env);
  }
  return { ok: true, envelopes: out };
}

/** The envelope of one message array, or undefined when it is not exactly §3's. */
function readItem(
  m: readonly unknown[],
  head: Head,
  signer: Header,
  size: number,
): Envelope | undefined {
  // Indexed reads, not array destructuring (which goes through the array iterator).
  const seq = m[0];
  const time = m[1];
  const topic = m[2];
  const event = m[3];
  const version = m[4];
  const data = m[5];
  const to = m[6];
  const traceparent = m[7];
  const tracestate = m[8];
  const shapeOk =
    m.length >= 6 &&
    m.length <= 9 &&
    Number.isSafeInteger(seq) &&
    (seq as number) > 0 &&
    Number.isSafeInteger(time) &&
    typeof topic === 'string' &&
    typeof event === 'string' &&
    Number.isSafeInteger(version) &&
    (to === undefined || to === null || typeof to === 'string') &&
    (traceparent === undefined || traceparent === null || typeof traceparent === 'string') &&
    (tracestate === undefined || tracestate === null || typeof tracestate === 'string');
  if (!shapeOk) return undefined;
  // An explicit object literal, not a spread: the hot path of every receive.
  const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = {
    epoch: head.epoch,
    seq: seq as number,
    time: time as number,
    topic: topic as string,
    event: event as string,
    version: version as number,
    data,
    node: head.nid,
    kid: signer.kid,
    size,
  };
  if (typeof to === 'string') envelope.to = to;
  if (typeof traceparent === 'string') envelope.traceparent = traceparent;
  if (typeof tracestate === 'string') envelope.tracestate = tracestate;
  return envelope;
}
