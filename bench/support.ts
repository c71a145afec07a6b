/**
 * Helpers every system uses the same way, so the contest stays fair: a delivery counter that a
 * driver can wait on, the windowed publish loop, and a sink that keeps handler work observable
 * (the optimizer cannot drop a handler whose result is written to the heap).
 */
import { performance } from 'node:perf_hooks';

/** Written by every handler; read at the end of the run so no handler is dead code. */
export const blackhole = { value: 0 };

/** Counts deliveries of one run and resolves a waiter when a target is reached. */
export class Deliveries {
  count = 0;
  #expected = 0;
  #target = Number.POSITIVE_INFINITY;
  #resolve: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #error: unknown;

  /** Call once per delivery, from the handler. */
  hit(): void {
    if (++this.count >= this.#target) {
      const resolve = this.#resolve;
      this.#target = Number.POSITIVE_INFINITY;
      this.#resolve = this.#reject = undefined;
      resolve?.();
    }
  }

  /** Fails the run in progress (a publish rejected). */
  fail = (error: unknown): void => {
    this.#error ??= error;
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(error);
  };

  /** Starts a run of `expected` deliveries; throws if the last run got more than it sent. */
  start(expected: number): void {
    if (this.count !== this.#expected) {
      throw new Error(`${this.count} deliveries counted where ${this.#expected} were sent`);
    }
    this.count = 0;
    this.#expected = expected;
    this.#error = undefined;
  }

  /** Resolves once `target` deliveries were counted (undefined when they already were). */
  until(target: number): Promise<void> | undefined {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.count >= target) return undefined;
    this.#target = target;
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Throws unless exactly the expected deliveries arrived. */
  check(): void {
    if (this.count !== this.#expected) {
      throw new Error(`${this.count} deliveries counted where ${this.#expected} were expected`);
    }
  }
}

/**
 * Sends `n` messages in windows of `window`: a window is sent without waiting, then the driver
 * waits until every delivery of it arrived (`perMessage` deliveries per message, for fan-out).
 * `send` may return a promise (a network publish); a rejection fails the run.
 */
export async function drive(
  n: number,
  window: number,
  deliveries: Deliveries,
  send: (i: number) => undefined | Promise<unknown>,
  perMessage = 1,
): Promise<void> {
  deliveries.start(n * perMessage);
  for (let sent = 0; sent < n; ) {
    const end = Math.min(n, sent + window);
    for (let i = sent; i < end; i++) {
      const pending = send(i);
      if (pending !== undefined) pending.then(undefined, deliveries.fail);
    }
    sent = end;
    const wait = deliveries.until(sent * perMessage);
    if (wait !== undefined) await wait;
  }
  deliveries.check();
}

/** How a run loads the system: a window in flight, or a fixed rate. */
export type Load = { readonly window: number } | { readonly rate: number };

/**
 * Sends `n` messages at `rate` per second, on ~1 ms ticks, then waits for every delivery. `send`
 * gets each message's scheduled time: latencies measured from it include any time the sender fell
 * behind schedule (no coordinated omission).
 */
export async function paced(
  n: number,
  rate: number,
  deliveries: Deliveries,
  send: (i: number, at: number) => undefined | Promise<unknown>,
): Promise<void> {
  deliveries.start(n);
  const t0 = performance.now();
  const interval = 1000 / rate;
  for (let sent = 0; sent < n; ) {
    const due = Math.min(n, Math.floor((performance.now() - t0) / interval) + 1);
    for (; sent < due; sent++) {
      const pending = send(sent, t0 + sent * interval);
      if (pending !== undefined) pending.then(undefined, deliveries.fail);
    }
    if (sent < n) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const wait = deliveries.until(n);
  if (wait !== undefined) await wait;
  deliveries.check();
}

/** "up to 256 in flight" or "at 5000 msg/s". */
export const describeLoad = (load: Load): string =>
  'rate' in load ? `at ${load.rate} msg/s` : `up to ${load.window} in flight`;

/** Runs `n` messages under `load`: {@link drive} for a window, {@link paced} for a rate. */
export function runLoad(
  n: number,
  load: Load,
  deliveries: Deliveries,
  send: (i: number, at?: number) => undefined | Promise<unknown>,
): Promise<void> {
  return 'rate' in load
    ? paced(n, load.rate, deliveries, send)
    : drive(n, load.window, deliveries, send);
}

/** Publish times and delivery latencies of one run, indexed by message number. */
export class Latencies {
  #sent = new Float64Array(0);
  #latency = new Float64Array(0);

  /** Resets for a run of `n` messages (untimed). */
  reset(n: number): void {
    if (this.#sent.length !== n) {
      this.#sent = new Float64Array(n);
      this.#latency = new Float64Array(n);
    }
    this.#latency.fill(Number.NaN);
  }

  /** Records the publish of message `i` (now, or when it was scheduled). */
  sent(i: number, at: number = performance.now()): void {
    this.#sent[i] = at;
  }

  /** Records the delivery of message `i`. */
  received(i: number): void {
    this.#latency[i] = performance.now() - this.#sent[i]!;
  }

  /** The latencies of the run, in ms; throws if a message has none (never delivered). */
  result(): Float64Array {
    const missing = this.#latency.findIndex(Number.isNaN);
    if (missing >= 0) throw new Error(`message ${missing} has no delivery time`);
    return this.#latency.slice();
  }
}
