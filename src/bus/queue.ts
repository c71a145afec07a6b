/**
 * The bounded per-subscription delivery queue.
 *
 * Every subscription owns one: a message is pushed, and a drain scheduled as a microtask runs the
 * handler on each message in order. An async handler is awaited before the next message, so one
 * publisher's messages reach a subscription in publish order, and a slow or throwing handler only
 * ever delays or affects its own queue. When the queue is full the overflow policy decides, and
 * every drop is counted.
 */
import type { OverflowPolicy } from './types.js';

/** What the queue needs from its owner. */
export interface QueueHooks<T> {
  /** Runs the handler; may return a promise. Throws are caught by the queue. */
  run(item: T): void | Promise<void>;
  /** A handler threw or rejected. */
  failed(item: T, error: unknown): void;
  /** Messages were dropped (`drop-*`), or the limit was hit under `error`. */
  overflowed(policy: OverflowPolicy, dropped: number): void;
}

/** A bounded FIFO with a scheduled drain. */
export class DeliveryQueue<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #running = false;
  #closed = false;
  dropped = 0;

  constructor(
    readonly limit: number,
    readonly policy: OverflowPolicy,
    private readonly hooks: QueueHooks<T>,
  ) {
    this.#items = new Array(Math.min(limit, 16));
  }

  get pending(): number {
    return this.#size;
  }

  /** Enqueues an item; false when it was not accepted. */
  push(item: T): boolean {
    if (this.#closed) return false;
    if (this.#size >= this.limit) {
      if (this.policy === 'drop-newest') {
        this.dropped++;
        this.hooks.overflowed(this.policy, 1);
        return false;
      }
      if (this.policy === 'error') {
        this.hooks.overflowed(this.policy, 0);
        return false;
      }
      this.#shift();
      this.dropped++;
      this.hooks.overflowed(this.policy, 1);
    }
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
    if (!this.#running) {
      this.#running = true;
      queueMicrotask(this.#drain);
    }
    return true;
  }

  /** Stops delivering and forgets queued items. */
  close(): void {
    this.#closed = true;
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
    const next = new Array<T | undefined>(Math.min(this.limit, this.#items.length * 2) || 1);
    for (let i = 0; i < this.#size; i++)
      next[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = next;
    this.#head = 0;
  }

  readonly #drain = (): void => {
    while (this.#size > 0 && !this.#closed) {
      const item = this.#shift();
      let result: void | Promise<void>;
      try {
        result = this.hooks.run(item);
      } catch (error) {
        this.hooks.failed(item, error);
        continue;
      }
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(this.#drain, (error: unknown) => {
          this.hooks.failed(item, error);
          this.#drain();
        });
        return;
      }
    }
    this.#running = false;
  };
}
