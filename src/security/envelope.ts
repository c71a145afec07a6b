/**
 * What a Herald message carries, whatever its format: the fields a publisher signs, the verified
 * envelope a receiver gets back, and the one result shape of every decode —
 * `{ ok: true, … } | { ok: false, reason, detail }` — so callers branch once, on `ok`.
 * The formats themselves: `herald/2` in frame.ts (written and read), `herald/1` in legacy-*.ts
 * (read only). Normative: docs/wire-format.md.
 */
import { isUtf8 } from 'node:buffer';
import { RejectReason } from './reasons.js';

/** The format every Herald publisher writes (docs/wire-format.md §2). */
export const ENVELOPE_TYPE = 'herald/2';
/** Most messages one envelope may carry; receivers refuse more. */
export const MAX_BATCH = 1024;

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

/** The fields of one message of a batch: the envelope fields but `epoch` (the batch has one). */
export type ItemFields = Omit<EnvelopeFields, 'epoch'>;

/** A verified inbound envelope. */
export interface Envelope extends EnvelopeFields {
  /** Sender node, from the signed head. */
  readonly node: string;
  /** Key id whose signature verified. */
  readonly kid: string;
  /** Size on the wire, in bytes (a batch's messages: their share of it). */
  readonly size: number;
}

/** A refusal from the codec. */
export interface CodecRejection {
  readonly ok: false;
  readonly reason: RejectReason;
  readonly detail: string;
  readonly kid?: string;
  readonly node?: string;
}

/** What {@link Codec.decode} returns: one verified envelope, or why not. */
export type DecodeResult = { readonly ok: true; readonly envelope: Envelope } | CodecRejection;

/** What {@link Codec.decodeAll} returns: every envelope of a message, or why not. */
export type DecodeAllResult =
  | { readonly ok: true; readonly envelopes: readonly Envelope[] }
  | CodecRejection;

/** One signature's claim, read before it is verified: who signed, with which key. */
export interface Header {
  readonly alg: string;
  readonly kid: string;
  readonly nid: string;
  /** The tenant tag (§2.1), when the publisher has a tenant. */
  readonly ten?: string;
  /** herald/1 only: true for a `herald/1+batch` header. */
  readonly batch: boolean;
}

/** A refusal for `reason`, attributed to `header`'s key and node when known. */
export function refuse(reason: RejectReason, detail: string, header?: Header): CodecRejection {
  return header === undefined
    ? { ok: false, reason, detail }
    : { ok: false, reason, detail, kid: header.kid, node: header.nid };
}

/** The input as text: refused when over `maxBytes` bytes or not well-formed UTF-8 / UTF-16. */
export function inputText(input: string | Uint8Array, maxBytes: number): string | CodecRejection {
  if (typeof input !== 'string') {
    if (input.byteLength > maxBytes)
      return refuse(RejectReason.Oversize, `larger than ${maxBytes} bytes`);
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // Decoding would substitute U+FFFD, and two different signed byte strings read the same.
    if (!isUtf8(bytes))
      return refuse(RejectReason.Malformed, 'input is not valid UTF-8 (RFC 3629)');
    return bytes.toString('utf8');
  }
  // UTF-8 takes at least one byte per UTF-16 unit and at most three.
  if (input.length > maxBytes || (input.length * 3 > maxBytes && byteLength(input) > maxBytes))
    return refuse(RejectReason.Oversize, `larger than ${maxBytes} bytes`);
  // A lone surrogate has no UTF-8 encoding: it would be signed as U+FFFD and read as itself.
  if (!(input as WellFormed).isWellFormed())
    return refuse(RejectReason.Malformed, 'input holds a lone surrogate (not Unicode text)');
  return input;
}

/** `String.prototype.isWellFormed` (ES2024, Node 20), not in the ES2023 lib this builds with. */
type WellFormed = string & { isWellFormed(): boolean };

/** Bytes of `text` in UTF-8. */
export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
