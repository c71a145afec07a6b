/**
 * The queue of a notifier (notifier.ts): publishes wait here in order and leave as statements,
 * one in flight at a time; `take` chooses the next statement's messages, `send` runs it and
 * settles them, `pump` keeps it going.
 *
 * Settling keeps publish order for whoever awaits the publishes, not only for the promises: the
 * publishes of one tick settle together, and those of a later tick only after a macrotask
 * (`setImmediate`), once every reaction to the earlier ones has run. A statement carries several
 * ticks when they waited behind a busy one (under load), and a bus's receipts for one tick's
 * batch take more promise steps than its single first publish: settled in one turn, the single of
 * tick 3 overtook the batch of tick 2 (test/adapters/postgres-notifier.test.ts, the flake of
 * test/fault/postgres.test.ts at load ~20). A statement of one tick, the usual case, settles at
 * once as before; the only cost is one `setImmediate` per settlement, not per message.
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
  /** The notifier tick it was published in (see `settle`). */
  readonly tick: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** Publishes of one tick, to settle together, each with its outcome (`failed`: rejected with `error`). */
interface Settlement {
  readonly tick: number;
  readonly outcomes: { readonly p: Pending; readonly failed: boolean; readonly error: unknown }[];
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
  /** Counts ticks that published (see `Pending.tick`). */
  tick: number;
  /** Settlements not yet made, in publish order (see `drain`). */
  settling: Settlement[];
  /** A settlement was made in this turn: the next waits for `drain`'s macrotask. */
  busy: boolean;
}

/**
 * Makes the next settlement, if any; `busy` until a macrotask later, when the one after it may
 * go (so two ticks' shares never settle in one turn, even from two statements).
 */
function drain(q: NotifyQueue): void {
  const next = q.settling.shift();
  q.busy = next !== undefined;
  if (next === undefined) return;
  for (const { p, failed, error } of next.outcomes) {
    if (failed) p.reject(error);
    else p.resolve();
  }
  setImmediate(drain, q);
}

/** Settles `ps` (in publish order) after every earlier settlement, one tick's share at a time. */
function settle(q: NotifyQueue, ps: readonly Pending[], failed: boolean, error?: unknown): void {
  for (const p of ps) {
    const last = q.settling[q.settling.length - 1];
    if (last?.tick === p.tick) last.outcomes.push({ p, failed, error });
    else q.settling.push({ tick: p.tick, outcomes: [{ p, failed, error }] });
  }
  if (!q.busy) drain(q);
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
      settle(
        q,
        [next],
        true,
        new TimeoutError(`notify waited ${q.timeoutMs} ms for a pool connection`),
      );
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
      settle(q, batch, false);
      pump(q);
    },
    (error: unknown) => {
      q.inFlight = false;
      if (batch.length > 1 && isServerError(error)) {
        // Refused, so nothing was sent: each message gets its own verdict, in order.
        for (const p of batch) p.alone = true;
        q.queue.splice(q.head, 0, ...batch);
      } else {
        settle(q, batch, true, error);
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
