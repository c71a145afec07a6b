/**
 * Options of durable subscriptions (docs/bus.md "Durable subscriptions") and their checks: how a
 * failing handler is redelivered (backoff per delivery, up to `maxDeliver`, then a dead letter),
 * how long the server waits for the acknowledgement of a process that died, how many messages
 * are in flight, and how many handled message ids a subscription remembers to run a handler once.
 */
import { ConfigError } from '../errors.js';

/** Redelivery of a durable subscription's messages. */
export interface RedeliveryOptions {
  /**
   * Delay before the next delivery after the handler failed on the 1st, 2nd, ... delivery; the
   * last one repeats.
   * @default [1000, 5000, 30000]
   */
  readonly backoffMs?: readonly number[];
  /**
   * Deliveries of one message after which a failing handler gives it up: a `dead_letter` event,
   * and the message is never delivered to this subscription again.
   * @default 5
   */
  readonly maxDeliver?: number;
  /**
   * A message handed to a process that died unacknowledged is delivered again after this long.
   * @default 30000
   */
  readonly ackWaitMs?: number;
  /** Messages handed over before the first of them is acknowledged. @default 64 */
  readonly maxInFlight?: number;
  /**
   * Handled message ids remembered, so that a redelivery of a message whose acknowledgement was
   * lost does not run the handler twice.
   * @default 100000
   */
  readonly remember?: number;
}

/** Redelivery options with every default applied. */
export type Redelivery = Required<RedeliveryOptions>;

/** The defaults of {@link RedeliveryOptions}. */
export const REDELIVERY_DEFAULTS: Redelivery = {
  backoffMs: [1000, 5000, 30000],
  maxDeliver: 5,
  ackWaitMs: 30_000,
  maxInFlight: 64,
  remember: 100_000,
};

const int = (value: unknown, min: number): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** Checks `options` of a durable subscription to `topic` and applies the defaults. */
export function redeliveryOf(topic: string, options: RedeliveryOptions = {}): Redelivery {
  const r = { ...REDELIVERY_DEFAULTS, ...options };
  const bad = (field: string, hint: string): never => {
    throw new ConfigError(`subscribe("${topic}"): redelivery.${field} is invalid`, {
      topic,
      field: `redelivery.${field}`,
      hint,
    });
  };
  if (
    !Array.isArray(r.backoffMs) ||
    r.backoffMs.length === 0 ||
    !r.backoffMs.every((ms) => int(ms, 0))
  )
    bad('backoffMs', 'a non-empty list of delays in ms, e.g. [1000, 5000, 30000]');
  if (!int(r.maxDeliver, 1)) bad('maxDeliver', 'a positive integer, e.g. 5');
  if (!int(r.ackWaitMs, 100)) bad('ackWaitMs', 'at least 100 (ms), e.g. 30000');
  if (!int(r.maxInFlight, 1)) bad('maxInFlight', 'a positive integer, e.g. 64');
  if (!int(r.remember, 1)) bad('remember', 'a positive integer, e.g. 100000');
  return r;
}

/** The delay before the next delivery after a failure on delivery number `deliveries`. */
export const backoffAfter = (r: Redelivery, deliveries: number): number =>
  r.backoffMs[Math.min(deliveries, r.backoffMs.length) - 1] ?? 0;

/** The `dead_letter` bus event: a durable subscription gave a message up. */
export interface DeadLetter {
  readonly topic: string;
  readonly event: string;
  /** The message id (`node:epoch:seq`). */
  readonly id: string;
  readonly subscription: number;
  /** `durable "billing"` or `group "receipts"`. */
  readonly consumer: string;
  /** How many times it was delivered (`redelivery.maxDeliver`). */
  readonly deliveries: number;
  /** The handler's last failure. */
  readonly error: unknown;
}
