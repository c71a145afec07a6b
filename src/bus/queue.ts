/**
 * The bounded per-subscription delivery queue.
 *
 * Every subscription owns one: a message is pushed, and a drain scheduled as a microtask runs the
 * handler on each message in order. An async handler is awaited before the next message, so one
 * publisher's messages reach a subscription in publish order, and a slow or throwing handler only
 * ever delays or affects its own queue. When the queue is full the overflow policy decides, and
 * every drop is counted.
 *
 * Beyond that, each queue may: run up to `concurrency` handlers at once (ordering is then no longer
 * guaranteed); report a slow consumer when its backlog reaches a threshold, and again when it has
 * drained to the resume mark; keep only the newest item (`latestOnly`); run items in batches; and
 * pass arriving items through a gate first (throttle, debounce, filter: src/bus/helpers).
 *
 * A plain queue (no gate, no batches, not `latestOnly`, concurrency 1) may also be fed from its
 * topic's lane (src/bus/table.ts): while it is idle, a message accepted by the lane is run straight
 * from there (`track` and `failed` keep the books), and the lane hands its backlog over with
 * `adopt` before the backlog would reach the slow mark or the limit, so both work exactly as if
 * every message had been queued here.
 */
import { schedule } from './microtask.js';
import type { OverflowPolicy } from './types.js';

/** What the queue needs from its owner. */
export interface QueueHooks<T> {
  /** Runs the handler; may return a promise. Throws are caught by the queue. */
  run(item: T): void | Promise<void>;
  /** Runs the handler on one batch (queues created with `batch`). */
  runBatch?(items: readonly T[]): void | Promise<void>;
  /** A handler threw or rejected (for a batch: its first item). */
  failed(item: T, error: unknown): void;
  /** Messages were dropped (`drop-*`), or the limit was hit under `error`. */
  overflowed(policy: OverflowPolicy, dropped: number): void;
  /** The backlog reached the slow threshold (`true`), or drained back to the resume mark (`false`). */
  slow?(slow: boolean, pending: number): void;
}

/** Holds back or drops arriving items before they enter the queue (throttle, debounce, filter). */
export interface QueueGate<T> {
  /** Takes an arriving item and hands it (now or later) to `enqueue`; false when it was dropped. */
  offer(item: T, enqueue: (item: T) => boolean): boolean;
  /** Cancels its timers and forgets held items. */
  close(): void;
}

/** How a queue drains, beyond its limit and overflow policy. */
export interface QueueBehaviour<T> {
  /** Handler runs in flight at once. @default 1 */
  readonly concurrency?: number;
  /** Backlog at which `slow(true)` fires; 0 never. @default 0 */
  readonly slowAt?: number;
  /** Backlog at which `slow(false)` fires after `slow(true)`. @default 0 */
  readonly recoverAt?: number;
  /** Keep one waiting item, replaced by each newer one (counted in `coalesced`). */
  readonly latestOnly?: boolean;
  /** Run items in batches of up to `max`, waiting at most `maxWaitMs` for one to fill. */
  readonly batch?: { readonly max: number; readonly maxWaitMs?: number | undefined };
  /** Arriving items pass this gate first. */
  readonly gate?: QueueGate<T>;
}

/** A bounded FIFO with a scheduled drain. */
export class DeliveryQueue<T> {
  #items: (T | undefined)[];
  #times: number[] | undefined;
  #head = 0;
  #size = 0;
  #active = 0;
  #scheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #concurrency: number;
  readonly #behaviour: QueueBehaviour<T>;
  // Read on every message: kept in fields of their own.
  readonly #gate: QueueGate<T> | undefined;
  readonly #slowAt: number;
  readonly #latestOnly: boolean;
  dropped = 0;
  /** Items offered to `push`. */
  received = 0;
  /** Items replaced by a newer one under `latestOnly`. */
  coalesced = 0;
  /** True between `slow(true)` and `slow(false)`. */
  slow = false;
  /**
   * The backlog a topic lane may hold for this queue (see the file comment): one below the slow
   * mark, at most the limit; 0 when the queue is not plain, so no lane runs its messages.
   */
  readonly laneRoom: number;

  constructor(
    readonly limit: number,
    readonly policy: OverflowPolicy,
    private readonly hooks: QueueHooks<T>,
    behaviour: QueueBehaviour<T> = {},
  ) {
    this.#behaviour = behaviour;
    this.#concurrency = behaviour.concurrency ?? 1;
    this.#gate = behaviour.gate;
    this.#slowAt = behaviour.slowAt ?? 0;
    this.#latestOnly = behaviour.latestOnly === true;
    if (behaviour.latestOnly) this.limit = 1;
    this.#items = new Array(Math.min(this.limit, 16));
    if (behaviour.batch) this.#times = new Array(this.#items.length);
    const plain =
      this.#gate === undefined &&
      behaviour.batch === undefined &&
      !this.#latestOnly &&
      this.#concurrency === 1;
    this.laneRoom = !plain
      ? 0
      : this.#slowAt > 0
        ? Math.min(this.limit, this.#slowAt - 1)
        : this.limit;
  }

  /** Nothing queued, no handler running, not closed: a lane may run the next message. */
  get idle(): boolean {
    return this.#size === 0 && this.#active === 0 && !this.#closed;
  }

  /** A handler the lane ran threw: reported as if this queue had run it. */
  failed(item: T, error: unknown): void {
    this.hooks.failed(item, error);
  }

  /**
   * A handler returned a promise (run by the drain, or by a lane): it counts as running here, and
   * nothing more of this queue runs beyond `concurrency` until it settles.
   */
  track(result: Promise<void>, item: T): void {
    this.#active++;
    result.then(this.#settled, (error: unknown) => {
      this.hooks.failed(item, error);
      this.#settled();
    });
  }

  /** Queues an item a lane accepted (and counted): the lane's backlog. */
  adopt(item: T): boolean {
    return this.#enqueue(item);
  }

  get pending(): number {
    return this.#size;
  }

  /** Handler runs in flight. */
  get running(): number {
    return this.#active;
  }

  /** Enqueues an item (through the gate, if any); false when it was not accepted. */
  push(item: T): boolean {
    if (this.#closed) return false;
    this.received++;
    const gate = this.#gate;
    if (gate === undefined) return this.#enqueue(item);
    try {
      return gate.offer(item, this.#enqueue);
    } catch (error) {
      // A throwing filter affects its own subscription only, never the publisher.
      this.hooks.failed(item, error);
      return false;
    }
  }

  readonly #enqueue = (item: T): boolean => {
    if (this.#closed) return false;
    if (this.#size >= this.limit) {
      if (this.#latestOnly) {
        this.#shift();
        this.coalesced++;
      } else if (this.policy === 'drop-newest') {
        this.dropped++;
        this.hooks.overflowed(this.policy, 1);
        return false;
      } else if (this.policy === 'error') {
        this.hooks.overflowed(this.policy, 0);
        return false;
      } else {
        this.#shift();
        this.dropped++;
        this.hooks.overflowed(this.policy, 1);
      }
    }
    if (this.#size === this.#items.length) this.#grow();
    const at = (this.#head + this.#size) % this.#items.length;
    this.#items[at] = item;
    if (this.#times) this.#times[at] = Date.now();
    this.#size++;
    const slowAt = this.#slowAt;
    if (slowAt > 0 && !this.slow && this.#size >= slowAt) {
      this.slow = true;
      this.hooks.slow?.(true, this.#size);
    }
    if (!this.#scheduled && this.#active < this.#concurrency) {
      this.#scheduled = true;
      schedule(this.#drain);
    }
    return true;
  };

  /** Stops delivering and forgets queued and held items. */
  close(): void {
    this.#closed = true;
    this.#behaviour.gate?.close();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#items = [];
    this.#size = 0;
    this.#head = 0;
  }

  #shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  #grow(): void {
    const length = Math.min(this.limit, this.#items.length * 2) || 1;
    const next = new Array<T | undefined>(length);
    const times = this.#times ? new Array<number>(length) : undefined;
    for (let i = 0; i < this.#size; i++) {
      const from = (this.#head + i) % this.#items.length;
      next[i] = this.#items[from];
      if (times) times[i] = this.#times?.[from] ?? 0;
    }
    this.#items = next;
    this.#times = times;
    this.#head = 0;
  }

  /** Takes the next batch, or undefined when it should wait (not full, not yet due). */
  #takeBatch(max: number, maxWaitMs: number | undefined): T[] | undefined {
    if (this.#size < max) {
      const waited = Date.now() - (this.#times?.[this.#head] ?? 0);
      if (maxWaitMs === undefined) return undefined;
      if (waited < maxWaitMs) {
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.#drain();
        }, maxWaitMs - waited);
        return undefined;
      }
    }
    const items: T[] = [];
    while (items.length < max && this.#size > 0) items.push(this.#shift());
    return items;
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const hooks = this.hooks;
    const batch = this.#behaviour.batch;
    while (this.#size > 0 && !this.#closed && this.#active < this.#concurrency) {
      let first: T;
      let result: void | Promise<void>;
      if (batch) {
        const items = this.#takeBatch(batch.max, batch.maxWaitMs);
        if (items === undefined) break;
        first = items[0] as T;
        if (this.slow) this.#drained();
        try {
          result = hooks.runBatch?.(items);
        } catch (error) {
          hooks.failed(first, error);
          continue;
        }
      } else {
        first = this.#shift();
        if (this.slow) this.#drained();
        try {
          result = hooks.run(first);
        } catch (error) {
          hooks.failed(first, error);
          continue;
        }
      }
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        this.track(result as Promise<void>, first);
      }
    }
  };

  readonly #settled = (): void => {
    this.#active--;
    this.#drain();
  };

  #drained(): void {
    if (this.#size <= (this.#behaviour.recoverAt ?? 0)) {
      this.slow = false;
      this.hooks.slow?.(false, this.#size);
    }
  }
}
