/**
 * Message ids: `node:epoch:seq` (docs/bus.md), the same string `ctx.idPrefix + seq` gives, built
 * without turning each sequence number into a string. V8 converts a number to text through a
 * small cache, and the runtime on a miss; a bus's sequence numbers never repeat, so every publish
 * missed it (5% of an in-process publish, and a 24-byte string). Here the id is the bus's prefix
 * and the thousands of the sequence number, made once per thousand publishes, joined to one of
 * 1000 three-digit strings made once per process: one concatenation per publish, as before.
 */
import type { BusContext } from './context.js';

/** `000` to `999`. */
const LOW: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** The head of a bus's ids for its current thousand of sequence numbers. */
export interface IdHead {
  /** The `ctx.idPrefix` it was made from (a restart takes a new one). */
  prefix: string;
  /** The thousands of the sequence number (`Math.floor(seq / 1000)`). */
  high: number;
  /** `prefix + high`. */
  text: string;
}

/** A head that no sequence number matches. */
export const noIdHead = (): IdHead => ({ prefix: '', high: -1, text: '' });

/** The id of message `seq` (a positive integer) of this bus: `ctx.idPrefix + seq`. */
export function messageId(ctx: BusContext, seq: number): string {
  const high = Math.floor(seq / 1000);
  if (high === 0) return ctx.idPrefix + seq;
  const head = ctx.idHead;
  if (head.high !== high || head.prefix !== ctx.idPrefix) {
    head.prefix = ctx.idPrefix;
    head.high = high;
    head.text = ctx.idPrefix + high;
  }
  return head.text + (LOW[seq - high * 1000] as string);
}
