/**
 * Options of the subscribe helpers: `filter`, `throttle`, `debounce`, `latestOnly` and `batch`.
 * They tame high-frequency events in the consumer (progress updates, typing indicators) without
 * hand-written timers; docs/helpers.md shows each one.
 */

/** `throttle`: at most one delivery per window. */
export interface ThrottleOptions {
  /** Window length in ms. */
  readonly ms: number;
  /**
   * Deliver the first message of a quiet period at once, opening a window.
   * @default true
   */
  readonly leading?: boolean;
  /**
   * At the end of a window, deliver the newest message that arrived during it (and open a new
   * window). Without it, messages inside a window are dropped (counted as coalesced).
   * @default true
   */
  readonly trailing?: boolean;
}

/** `debounce`: one delivery once messages stop arriving — the last one. */
export interface DebounceOptions {
  /** Quiet time in ms after the last message before it is delivered. */
  readonly ms: number;
  /**
   * Longest a message may be held while newer ones keep arriving, in ms: after it, the newest
   * is delivered even if the stream has not gone quiet.
   * @default unbounded
   */
  readonly maxWaitMs?: number;
}

/** `subscribeBatch`: the handler receives arrays of messages. */
export interface BatchOptions {
  /**
   * Most messages in one batch.
   * @default the queue limit
   */
  readonly max?: number;
  /**
   * Longest the first message of a batch waits for the batch to fill, in ms. Without it, only
   * full batches are delivered.
   */
  readonly maxWaitMs?: number;
}

/** Counts kept by a subscription's helpers and queue. */
export interface SubscriptionCounts {
  /** Messages offered to the subscription (matching its topic and events). */
  readonly received: number;
  /** Refused by its `filter`. */
  readonly filtered: number;
  /** Superseded by a newer message (throttle, debounce, latestOnly), which stands for them. */
  readonly coalesced: number;
  /** Dropped by the queue's overflow policy. */
  readonly dropped: number;
  /** Handler calls. */
  readonly calls: number;
  /** Messages handed to the handler (more than `calls` when batching). */
  readonly handled: number;
}
