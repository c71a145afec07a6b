/**
 * NOTIFY through the pool, in publish order: ONE statement in flight at a time.
 *
 * Publishes wait here, in order, and go out as one statement, `SELECT pg_notify($1, $2),
 * pg_notify($3, $4), ...` (up to `maxPerQuery`): the publishes of one tick when nothing is in
 * flight (sent from a microtask at the end of the tick, after the bus's batches of that tick,
 * with no timer), and everything that
 * waited when the statement in flight comes back. Each message is still its own notification
 * with its own payload; only the round trip and the commit are shared. Sent one statement per
 * publish instead, as raw `pg_notify` from a pool is, every message paid its own checkout, round
 * trip, socket write (which wakes a backend) and transaction, and every listening backend was
 * woken once per message: profiles of the transport showed those costs, in the client and in the
 * server, above the bus's own work per message.
 *
 * - Order: statements on different pooled connections commit in whatever order the server
 *   finishes them, and listeners receive notifications in COMMIT order, so two statements in
 *   flight at once can swap a publisher's messages (seen: 11-28 per run with the pool's 10). One
 *   statement at a time commits them in publish order; within a statement the target list is
 *   evaluated left to right and NOTIFY queues in call order ("notifications from the same
 *   transaction are delivered in the order they were sent"). Large envelopes (the claim check)
 *   take their turn in the same queue, so they keep their place too. Under load the queue fills
 *   while a statement is out, so the next one is fuller. Measured back to back on a quiet
 *   machine (docs/benchmarks.md): default throughput -8% (0.27x -> 0.24x the coalescing raw
 *   client), micro-batching unchanged, p99 at 5k msg/s 4.5 -> 5.4 ms.
 * - Atomic: a statement runs in one implicit transaction; notifications are sent only on commit.
 *   A statement the server refused (an error with a SQLSTATE) therefore sent nothing, and its
 *   messages are retried one per statement, in order, so one bad message fails alone. A
 *   statement whose connection broke or timed out may or may not have committed: its messages
 *   reject, as a single publish does (and the one exception to order: such a statement, if the
 *   server still commits it, may do so after the next one).
 * - Duplicates: PostgreSQL folds identical (channel, payload) notifications of one transaction
 *   into one ("If the same channel name is signaled multiple times with identical payload
 *   strings within the same transaction, only one instance of the notification event is
 *   delivered"), so a repeated payload starts a new statement instead.
 * - Deadlines: each publish settles within `timeoutMs` of its call, waiting here included: a
 *   statement's deadline is that of its oldest message, and a message dequeued past its own
 *   deadline rejects without being sent.
 */
import type pg from 'pg';
import { type NotifyQueue, pump } from './notify-queue.js';

export { notifyStatement } from './notify-sql.js';

/** Limits of a notifier. */
export interface NotifierOptions {
  /** Messages one statement carries at most; 1 sends every publish on its own. */
  readonly maxPerQuery: number;
  /** Payload bytes one statement carries at most (a single larger message still goes alone). */
  readonly maxBytes: number;
  /** Time allowed for one publish, from its call to the statement's answer. */
  readonly timeoutMs: number;
  /**
   * Sends one large envelope on its own (the claim check), within `ms`. Called in queue order,
   * with nothing else in flight.
   */
  readonly sendLarge?: (channel: string, payload: string, ms: number) => Promise<void>;
}

/** Sends NOTIFYs through a pool. */
export interface Notifier {
  /**
   * NOTIFYs `payload` (of `bytes` UTF-8 bytes) on `channel`, and on `mirror` too when given (a
   * template's channel: both in one statement, so both or neither); resolves once committed.
   */
  notify(channel: string, payload: string, bytes: number, mirror?: string): Promise<void>;
  /** Sends a large envelope through `sendLarge`, in its place in the queue. */
  large(channel: string, payload: string, bytes: number): Promise<void>;
  /** Publishes waiting for a connection. */
  readonly waiting: number;
  /** Statements sent so far (a statement carries one or more publishes). */
  readonly statements: number;
}

/** Creates a notifier over `pool`. */
export function createNotifier(pool: pg.Pool, options: NotifierOptions): Notifier {
  const q: NotifyQueue = {
    pool,
    maxPerQuery: options.maxPerQuery,
    maxBytes: options.maxBytes,
    timeoutMs: options.timeoutMs,
    sendLarge: options.sendLarge,
    queue: [],
    head: 0,
    inFlight: false,
    statements: 0,
    scheduled: false,
    tick: 0,
    settling: [],
    busy: false,
  };

  /** Runs once the publishes of the current tick are queued. */
  function flush(): void {
    q.scheduled = false;
    pump(q);
  }

  /**
   * One microtask hop more than the first publish of the tick: the bus sends a tick's first
   * publish at once and the rest of it as batches from a microtask queued after this one, and
   * they must share the first one's statement (not wait for its round trip).
   */
  function endOfTick(): void {
    queueMicrotask(flush);
  }

  function enqueue(
    channel: string,
    payload: string,
    bytes: number,
    large: boolean,
    mirror?: string,
  ) {
    return new Promise<void>((resolve, reject) => {
      if (!q.scheduled) {
        q.scheduled = true;
        q.tick++;
        queueMicrotask(endOfTick);
      }
      q.queue.push({
        channel,
        mirror,
        payload,
        bytes,
        deadline: Date.now() + q.timeoutMs,
        alone: false,
        large,
        tick: q.tick,
        resolve,
        reject,
      });
    });
  }

  return {
    notify(channel, payload, bytes, mirror) {
      return enqueue(channel, payload, bytes, false, mirror);
    },
    large(channel, payload, bytes) {
      return enqueue(channel, payload, bytes, true);
    },
    get waiting() {
      return q.queue.length - q.head;
    },
    get statements() {
      return q.statements;
    },
  };
}
