/**
 * One durable subscription (durable.ts): a `Subscription` whose messages come from the
 * transport's stored log through a named consumer, handled one at a time in log order
 * (durable-receive.ts). Opened when the bus is started (or at once), closed by `unsubscribe`, its
 * `signal`, or the bus's stop; closing stops the pull and waits for the message in hand, and
 * leaves the consumer's position on the server for the next process that names it.
 */
import type { DurableConsumer, DurableConsumerSpec, DurableDelivery } from '../adapters/durable.js';
import type { BusContext } from './context.js';
import { type DurableTarget, handleDelivery } from './durable-receive.js';
import type { Subscription } from './types.js';

/** A durable subscription of a bus. */
export class DurableSubscription implements Subscription {
  readonly dropped = 0;
  readonly slow = false;
  #consumer: DurableConsumer | undefined;
  #active = true;
  #pending = 0;
  #chain: Promise<void> = Promise.resolve();
  readonly #queue: DurableDelivery[] = [];
  #running = false;

  constructor(
    private readonly ctx: BusContext,
    private readonly target: DurableTarget,
    private readonly spec: DurableConsumerSpec,
  ) {}

  get id(): number {
    return this.target.id;
  }
  get topic(): string {
    return this.target.resolved.topic;
  }
  /** Messages handed over by the server and not yet settled. */
  get pending(): number {
    return this.#pending;
  }
  get active(): boolean {
    return this.#active;
  }
  get counts() {
    const { calls, handled } = this.target.tally;
    return { received: calls, filtered: 0, coalesced: 0, dropped: 0, calls, handled };
  }

  /** Starts pulling from the server (the transport's store exists: the bus checked it). */
  async open(): Promise<void> {
    const store = this.ctx.transport.durable;
    if (store === undefined || !this.#active) return;
    this.#consumer = await store.consume(this.spec, (delivery) => this.#arrive(delivery));
    this.target.stored = this.#consumer.handled;
  }

  /**
   * One at a time, in log order: the next starts when the previous one is settled; one that
   * settles at once (a synchronous handler) lets the next run in the same turn. Once closing,
   * the ones not started go back to the server at once (another member takes them).
   */
  #arrive(delivery: DurableDelivery): void {
    this.#pending++;
    this.#queue.push(delivery);
    if (!this.#running) this.#chain = this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      for (let d = this.#queue.shift(); d !== undefined; d = this.#queue.shift()) {
        try {
          const settling = this.#active ? handleDelivery(this.target, d) : d.nak(0);
          if (settling !== undefined) await settling;
        } catch {
          // handleDelivery reports and settles its own failures; a closed connection lands here.
        }
        this.#pending--;
      }
    } finally {
      this.#running = false;
    }
  }

  /**
   * Stops pulling, waits for the message in hand, then for the records and acknowledgements of
   * the handled ones. Idempotent.
   */
  async close(): Promise<void> {
    this.#active = false;
    this.ctx.durables.delete(this);
    const consumer = this.#consumer;
    this.#consumer = undefined;
    await consumer?.stop();
    await this.#chain;
    await consumer?.drain();
  }

  unsubscribe(): Promise<void> {
    return this.close();
  }
}
