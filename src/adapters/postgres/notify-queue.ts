/**
 * The queue of a notifier (notifier.ts): publishes wait here in order and leave as statements,
 * one in flight at a time; `take` chooses the next statement's messages, `send` runs it and
 * settles them, `pump` keeps it going.
 */
import type pg from 'pg';
import { mirrored, type Notification, notifyStatement, values } from './notify-sql.js';
import { isServerError, poolQuery, TimeoutError } from './sql.js';

/** One publish waiting in the queue. */
export interface Pending extends Notification {
  readonly bytes: number;
  readonly deadline: number;
  /** Refused in a shared statement: goes again in a statement of its own. */
  alone: boolean;
  /** Goes through `sendLarge`, alone. */
  readonly large: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/** A notifier's queue and limits. */
export interface NotifyQueue {
  readonly pool: pg.Pool;
  readonly maxPerQuery: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly sendLarge: ((channel: string, payload: string, ms: number) => Promise<void>) | undefined;
  queue: Pending[];
  head: number;
  inFlight: boolean;
  statements: number;
  /** A flush is queued for the end of this tick. */
  scheduled: boolean;
}

/** The next statement's messages, in order; expired ones are rejected on the way. */
function take(q: NotifyQueue): Pending[] {
  const now = Date.now();
  const batch: Pending[] = [];
  let bytes = 0;
  let seen: Set<string> | undefined;
  while (q.head < q.queue.length && batch.length < q.maxPerQuery) {
    const next = q.queue[q.head] as Pending;
    if (next.deadline <= now) {
      q.head++;
      next.reject(new TimeoutError(`notify waited ${q.timeoutMs} ms for a pool connection`));
      continue;
    }
    if (batch.length > 0) {
      if (next.alone || next.large || bytes + next.bytes > q.maxBytes) break;
      // Payloads only: a repeated payload on another channel splits too, which costs nothing.
      seen ??= new Set([(batch[0] as Pending).payload]);
      if (seen.has(next.payload)) break;
      seen.add(next.payload);
    }
    q.head++;
    batch.push(next);
    bytes += next.bytes;
    if (next.alone || next.large) break;
  }
  if (q.head === q.queue.length) {
    q.queue = [];
    q.head = 0;
  }
  return batch;
}

/** One statement for the batch; with mirrors only when some message has one. */
function query(q: NotifyQueue, batch: readonly Pending[], ms: number): Promise<unknown> {
  if (!batch.some((p) => p.mirror !== undefined)) {
    return poolQuery(q.pool, notifyStatement(batch.length), values(batch), ms);
  }
  const { text, params } = mirrored(batch);
  return poolQuery(q.pool, text, params, ms);
}

function send(q: NotifyQueue, batch: Pending[]): void {
  const first = batch[0] as Pending;
  q.inFlight = true;
  q.statements++;
  // The oldest message has the earliest deadline (a FIFO under one timeout).
  const ms = Math.max(1, first.deadline - Date.now());
  const sent =
    first.large && q.sendLarge
      ? q.sendLarge(first.channel, first.payload, ms)
      : query(q, batch, ms);
  sent.then(
    () => {
      q.inFlight = false;
      for (const p of batch) p.resolve();
      pump(q);
    },
    (error: unknown) => {
      q.inFlight = false;
      if (batch.length > 1 && isServerError(error)) {
        // Refused, so nothing was sent: each message gets its own verdict, in order.
        for (const p of batch) p.alone = true;
        q.queue.splice(q.head, 0, ...batch);
      } else {
        for (const p of batch) p.reject(error);
      }
      pump(q);
    },
  );
}

/** Sends the next statement while none is in flight and messages wait. */
export function pump(q: NotifyQueue): void {
  while (!q.inFlight && q.head < q.queue.length) {
    const batch = take(q);
    if (batch.length > 0) send(q, batch);
  }
}
