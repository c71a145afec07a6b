/**
 * The gates in front of a subscription's queue: `filter`, `throttle` and `debounce`.
 *
 * A gate sees each message as it arrives and decides what enters the queue: now, later (from a
 * timer), or never. Gates only ever drop or hold messages, and hand on the ones they keep in
 * arrival order, so a subscription's ordering is kept. Each drop is counted. When a delivered
 * message stands for others it superseded, the gate remembers the group so that the consumer
 * span can link every producer (Instrumentation.processBatch).
 */
import type { QueueGate } from '../queue.js';
import type { DebounceOptions, ThrottleOptions } from './options.js';

/** Most superseded messages remembered per delivery (OpenTelemetry's default link limit). */
export const MAX_GROUP = 128;

/** Counters and link groups shared by a subscription's gates. */
export class GateState<T extends object> {
  filtered = 0;
  coalesced = 0;
  readonly #groups = new WeakMap<T, readonly T[]>();

  /** Remembers that `item` is delivered for the messages of `group` (itself included). */
  link(item: T, group: readonly T[]): void {
    if (group.length > 1) this.#groups.set(item, group);
  }

  /** The messages a delivered item stands for, when it superseded others. */
  groupOf(item: T): readonly T[] | undefined {
    return this.#groups.get(item);
  }
}

/** Holds the newest of a run of messages and the group it stands for. */
class Held<T extends object> {
  item: T | undefined;
  group: T[] = [];

  constructor(private readonly state: GateState<T>) {}

  hold(item: T): void {
    if (this.item !== undefined) this.state.coalesced++;
    this.item = item;
    if (this.group.length === MAX_GROUP) this.group.shift();
    this.group.push(item);
  }

  /** Releases the held message (linked to its group) to `enqueue`. */
  release(enqueue: ((item: T) => boolean) | undefined): void {
    const item = this.item;
    const group = this.group;
    this.item = undefined;
    this.group = [];
    if (item === undefined || enqueue === undefined) return;
    this.state.link(item, group);
    enqueue(item);
  }

  clear(): void {
    this.item = undefined;
    this.group = [];
  }
}

/** Passes only messages the predicate accepts; the next gate (if any) sees the rest. */
export function filterGate<T extends object>(
  predicate: (item: T) => boolean,
  state: GateState<T>,
  next?: QueueGate<T>,
): QueueGate<T> {
  return {
    offer(item, enqueue) {
      if (!predicate(item)) {
        state.filtered++;
        return false;
      }
      return next ? next.offer(item, enqueue) : enqueue(item);
    },
    close: () => next?.close(),
  };
}

/**
 * At most one delivery per `ms`. Leading edge: the first message of a quiet period goes at once.
 * Trailing edge: the newest message of a window goes when it ends, and opens the next window.
 */
export function throttleGate<T extends object>(
  options: ThrottleOptions,
  state: GateState<T>,
): QueueGate<T> {
  const leading = options.leading ?? true;
  const trailing = options.trailing ?? true;
  const held = new Held(state);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let enqueueLater: ((item: T) => boolean) | undefined;

  const open = (): void => {
    timer = setTimeout(end, options.ms);
  };
  const end = (): void => {
    timer = undefined;
    if (held.item === undefined) return;
    open();
    held.release(enqueueLater);
  };
  return {
    offer(item, enqueue) {
      enqueueLater = enqueue;
      if (timer === undefined) {
        open();
        if (leading) return enqueue(item);
        held.hold(item);
        return true;
      }
      if (!trailing) {
        state.coalesced++;
        return false;
      }
      held.hold(item);
      return true;
    },
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      held.clear();
    },
  };
}

/** Delivers the newest message once none has arrived for `ms` (or after `maxWaitMs` held). */
export function debounceGate<T extends object>(
  options: DebounceOptions,
  state: GateState<T>,
): QueueGate<T> {
  const held = new Held(state);
  let quiet: ReturnType<typeof setTimeout> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let enqueueLater: ((item: T) => boolean) | undefined;

  const stop = (): void => {
    if (quiet !== undefined) clearTimeout(quiet);
    if (deadline !== undefined) clearTimeout(deadline);
    quiet = undefined;
    deadline = undefined;
  };
  const fire = (): void => {
    stop();
    held.release(enqueueLater);
  };
  return {
    offer(item, enqueue) {
      enqueueLater = enqueue;
      held.hold(item);
      if (quiet !== undefined) clearTimeout(quiet);
      quiet = setTimeout(fire, options.ms);
      if (options.maxWaitMs !== undefined && deadline === undefined) {
        deadline = setTimeout(fire, options.maxWaitMs);
      }
      return true;
    },
    close() {
      stop();
      held.clear();
    },
  };
}
