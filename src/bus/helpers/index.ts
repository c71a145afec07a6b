/**
 * Subscribe helpers: turns a subscription's options (`filter`, `throttle`, `debounce`,
 * `latestOnly`, `queue.concurrency`, `queue.slowAt`, and `batch` for `subscribeBatch`) into the
 * gate and drain behaviour of its queue, checking them first. Mistakes throw a ConfigError when
 * subscribing, never later.
 */
import { ConfigError } from '../../errors.js';
import type { DeliveryQueue, QueueBehaviour, QueueGate } from '../queue.js';
import { debounceGate, filterGate, GateState, throttleGate } from './gates.js';
import type {
  BatchOptions,
  DebounceOptions,
  SubscriptionCounts,
  ThrottleOptions,
} from './options.js';

export type {
  BatchOptions,
  DebounceOptions,
  SubscriptionCounts,
  ThrottleOptions,
} from './options.js';

/** The helper options a subscription may carry (a subset of SubscribeOptions). */
export interface HelperOptions<T> {
  readonly filter?: ((item: T) => boolean) | undefined;
  readonly throttle?: ThrottleOptions | undefined;
  readonly debounce?: DebounceOptions | undefined;
  readonly latestOnly?: boolean | undefined;
  readonly queue?:
    | {
        readonly concurrency?: number | undefined;
        readonly slowAt?: number | undefined;
        readonly recoverAt?: number | undefined;
      }
    | undefined;
}

/** What `subscriptionHelpers` hands the bus. */
export interface SubscriptionHelpers<T extends object> {
  /** Pass to the DeliveryQueue. */
  readonly behaviour: QueueBehaviour<T>;
  /** The slow threshold in force (0: off). */
  readonly slowAt: number;
  /** The messages a delivery stands for, when a gate coalesced others into it. */
  groupOf(item: T): readonly T[] | undefined;
  /** Counts of the gates and the queue, plus the handler calls the bus made. */
  counts(queue: DeliveryQueue<T>, calls: number, handled: number): SubscriptionCounts;
}

const positive = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;
const count = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min;

/**
 * Checks the helper options of one subscription and builds its queue behaviour.
 * @param batch the `batch` option of `subscribeBatch`, if any
 */
export function subscriptionHelpers<T extends object>(
  topic: string,
  options: HelperOptions<T>,
  limit: number,
  batch?: BatchOptions,
): SubscriptionHelpers<T> {
  const fail = (message: string, hint: string): never => {
    throw new ConfigError(`subscribe("${topic}"): ${message}`, { topic, hint });
  };
  const { filter, throttle, debounce, latestOnly } = options;
  checkGates(options, fail);
  if (batch !== undefined) checkBatch(batch, options, fail);
  const queue = options.queue ?? {};
  const concurrency = queue.concurrency ?? 1;
  if (!count(concurrency, 1))
    fail(
      `queue.concurrency ${String(concurrency)} is invalid`,
      'use a positive integer (1 keeps ordering)',
    );
  const slowAt = queue.slowAt ?? (latestOnly ? 0 : Math.ceil(limit * 0.8));
  if (!count(slowAt, 0))
    fail(`queue.slowAt ${String(slowAt)} is invalid`, 'use an integer, 0 to turn it off');
  const recoverAt = queue.recoverAt ?? Math.floor(slowAt / 2);
  if (!count(recoverAt, 0) || (slowAt > 0 && recoverAt >= slowAt)) {
    fail(
      `queue.recoverAt ${String(recoverAt)} is invalid`,
      `use an integer below slowAt (${slowAt})`,
    );
  }

  const state = new GateState<T>();
  let gate: QueueGate<T> | undefined;
  if (throttle !== undefined) gate = throttleGate(throttle, state);
  else if (debounce !== undefined) gate = debounceGate(debounce, state);
  if (filter !== undefined) gate = filterGate(filter, state, gate);
  const behaviour: QueueBehaviour<T> = {
    concurrency,
    slowAt,
    recoverAt,
    ...(latestOnly ? { latestOnly: true } : {}),
    ...(gate ? { gate } : {}),
    ...(batch ? { batch: { max: batch.max ?? limit, maxWaitMs: batch.maxWaitMs } } : {}),
  };
  return {
    behaviour,
    slowAt,
    groupOf: (item) => state.groupOf(item),
    counts: (q, calls, handled) => ({
      received: q.received,
      filtered: state.filtered,
      coalesced: state.coalesced + q.coalesced,
      dropped: q.dropped,
      calls,
      handled,
    }),
  };
}

/** Reports a mistake in a subscription's options (throws). */
type Fail = (message: string, hint: string) => never;

/** Checks `filter`, `throttle` and `debounce`. */
function checkGates<T>(options: HelperOptions<T>, fail: Fail): void {
  const { filter, throttle, debounce } = options;
  if (filter !== undefined && typeof filter !== 'function') {
    fail('filter is not a function', 'pass filter: (message) => boolean');
  }
  if (throttle !== undefined) {
    if (!positive(throttle.ms))
      fail(`throttle.ms ${String(throttle.ms)} is invalid`, 'use a positive number of ms');
    if (throttle.leading === false && throttle.trailing === false) {
      fail('throttle has neither a leading nor a trailing edge', 'leave leading or trailing on');
    }
  }
  if (debounce !== undefined) {
    if (!positive(debounce.ms))
      fail(`debounce.ms ${String(debounce.ms)} is invalid`, 'use a positive number of ms');
    if (
      debounce.maxWaitMs !== undefined &&
      !(positive(debounce.maxWaitMs) && debounce.maxWaitMs >= debounce.ms)
    ) {
      fail(
        `debounce.maxWaitMs ${String(debounce.maxWaitMs)} is invalid`,
        'use a number of ms not below debounce.ms',
      );
    }
  }
  if (throttle !== undefined && debounce !== undefined) {
    fail('throttle and debounce are both set', 'choose one of them');
  }
}

/** Checks the `batch` option of `subscribeBatch`, and what it does not combine with. */
function checkBatch<T>(batch: BatchOptions, options: HelperOptions<T>, fail: Fail): void {
  const { throttle, debounce, latestOnly } = options;
  if (
    typeof batch !== 'object' ||
    batch === null ||
    (batch.max === undefined && batch.maxWaitMs === undefined)
  ) {
    fail('batch needs max and/or maxWaitMs', 'pass batch: { max: 100, maxWaitMs: 50 }');
  }
  if (batch.max !== undefined && !count(batch.max, 1))
    fail(`batch.max ${String(batch.max)} is invalid`, 'use a positive integer');
  if (
    batch.maxWaitMs !== undefined &&
    !(typeof batch.maxWaitMs === 'number' && batch.maxWaitMs >= 0)
  ) {
    fail(`batch.maxWaitMs ${String(batch.maxWaitMs)} is invalid`, 'use a number of ms, 0 or more');
  }
  if (latestOnly || throttle || debounce) {
    fail(
      'batch does not combine with latestOnly, throttle or debounce',
      'use filter and batch only',
    );
  }
}
