/**
 * Freshness: the clock-skew window and the replay cache.
 *
 * A message is fresh when its signed timestamp lies within `maxPastMs` before and `maxFutureMs`
 * after the receiver's clock, and its id (node, epoch, seq) has not been accepted before. Ids are
 * remembered per publisher with a sliding bitmap, the anti-replay window of IPsec (RFC 4303
 * §3.4.3): memory is bounded by the number of publishers, not the message rate, and messages may
 * arrive out of order by up to `reorderWindow` sequence numbers. A publisher's entry lives as long
 * as the skew window after its last message; by then any replay of its messages is expired.
 *
 * At most `maxPublishers` entries are kept. Evicting a live entry would let its messages be
 * replayed while still inside the time window, so an eviction leaves a floor behind: the newest
 * signed time the evicted entry accepted. A publisher with no entry, or whose entry was created
 * after that eviction, is refused as `replay` at or below the floor — every message the evicted
 * entry accepted lies there. Until the first eviction the floor is −∞ and refuses nothing.
 */
import { RejectReason } from './reasons.js';
import type { SharedReplayOptions } from './replay.js';

/** Freshness options. */
export interface FreshnessOptions {
  /**
   * How old a message may be, in ms (clock skew plus transport delay).
   * @default 60000
   */
  readonly maxPastMs?: number;
  /**
   * How far in the future a message's timestamp may be, in ms (clock skew).
   * @default 5000
   */
  readonly maxFutureMs?: number;
  /**
   * How far out of order one publisher's messages may arrive, in sequence numbers. Older ones are
   * refused as `replay`, since the window can no longer tell.
   * @default 1024, or 16384 when the bus runs a fallback chain with `failover`
   */
  readonly reorderWindow?: number;
  /**
   * Most publishers tracked at once; past it the least recently seen one is forgotten (counted),
   * and messages of untracked publishers timed at or before the newest time it accepted are
   * refused as `replay` from then on. Keep it above the publisher instances live in one window.
   * @default 10000
   */
  readonly maxPublishers?: number;
  /**
   * A replay store shared between processes (Redis, PostgreSQL), checked after the in-memory
   * window: a message replayed to another node of the same group, or to a node that restarted,
   * is refused too.
   * @default none: the in-memory window only
   * @example { store: redisReplayStore(redis), group: 'billing' }
   */
  readonly shared?: SharedReplayOptions;
}

/** Default of `maxPastMs`: how old a message may be. */
export const DEFAULT_MAX_PAST_MS = 60_000;
/** Default of `maxFutureMs`: how far ahead a message's clock may be. */
export const DEFAULT_MAX_FUTURE_MS = 5_000;

/**
 * How long a message id must be remembered: past that, the skew window refuses the message
 * anyway. A message accepted at `t0` carries a time ≤ t0 + maxFuture, and is refused as expired
 * after time + maxPast ≤ t0 + maxFuture + maxPast.
 */
export function replayTtlMs(options: FreshnessOptions = {}): number {
  return (
    (options.maxPastMs ?? DEFAULT_MAX_PAST_MS) + (options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS)
  );
}

interface PublisherWindow {
  highest: number;
  bits: Uint32Array;
  /** Receiver time of its last message: the entry expires `maxPast + maxFuture` later. */
  lastSeen: number;
  /** Newest signed `time` it accepted: the floor it leaves behind when evicted. */
  newest: number;
  /** The eviction floor when it was created: no message at or below it was ever checked here. */
  floor: number;
}

/** The replay and skew guard of one bus. */
export interface Freshness {
  /** Checks and records one message; undefined when it is fresh. */
  check(node: string, epoch: string, seq: number, time: number): RejectReason | undefined;
  /** Publishers currently tracked. */
  readonly size: number;
  /** Publishers forgotten because `maxPublishers` was reached. */
  readonly evictions: number;
  /**
   * Newest signed time accepted from an evicted publisher (−∞ before the first eviction):
   * untracked publishers' messages at or below it are refused as `replay`.
   */
  readonly floor: number;
}

/**
 * The time window of every message (docs/wire-format.md §7): `expired` when `time` is more than
 * `maxPastMs` before `at`, `future` when more than `maxFutureMs` after it, else undefined. `at` is
 * the receiver's clock for a live message, the server's stored time for a stored one (§7.2).
 */
export function outsideWindow(
  time: number,
  at: number,
  maxPastMs: number,
  maxFutureMs: number,
): RejectReason | undefined {
  if (time < at - maxPastMs) return RejectReason.Expired;
  if (time > at + maxFutureMs) return RejectReason.Future;
  return undefined;
}

/** Creates a freshness guard. `now` is injectable for tests. */
export function createFreshness(
  options: FreshnessOptions = {},
  now: () => number = Date.now,
): Freshness {
  const maxPast = options.maxPastMs ?? DEFAULT_MAX_PAST_MS;
  const maxFuture = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  const windowBits = Math.max(32, Math.ceil((options.reorderWindow ?? 1024) / 32) * 32);
  const maxPublishers = options.maxPublishers ?? 10_000;
  const ttl = maxPast + maxFuture;
  const publishers = new Map<string, PublisherWindow>();
  let evictions = 0;
  let floor = Number.NEGATIVE_INFINITY;
  let nextSweep = 0;
  // The last publisher checked and its entry: a stream from one publisher skips building its key
  // and the map look-up. Forgotten whenever an entry leaves the map (sweep, eviction).
  let lastNode = '';
  let lastEpoch = '';
  let lastWindow: PublisherWindow | undefined;
  const forget = (): void => {
    lastWindow = undefined;
  };

  /** Frees one slot; an evicted live entry raises the floor to the newest time it accepted. */
  function makeRoom(at: number): void {
    forget();
    const evicted = freeSlot(publishers, at, ttl);
    if (evicted === undefined) return;
    floor = Math.max(floor, evicted);
    evictions++;
  }

  return {
    get size() {
      return publishers.size;
    },
    get evictions() {
      return evictions;
    },
    get floor() {
      return floor;
    },
    check(node, epoch, seq, time) {
      const at = now();
      const outside = outsideWindow(time, at, maxPast, maxFuture);
      if (outside !== undefined) return outside;
      if (at >= nextSweep) {
        nextSweep = sweep(publishers, at, ttl);
        forget();
      }
      let w =
        lastWindow !== undefined && node === lastNode && epoch === lastEpoch
          ? lastWindow
          : undefined;
      const key = w === undefined ? `${node}\u0000${epoch}` : '';
      if (w === undefined) w = publishers.get(key);
      if (w === undefined) {
        // This publisher's earlier entry may have been evicted while its messages were still
        // inside the time window: whatever it accepted is at or below the floor.
        if (time <= floor) return RejectReason.Replay;
        // Taken before makeRoom: the eviction it may cause is of another publisher, and every
        // earlier entry of this one was evicted before now, so `created` already covers them.
        const created = floor;
        if (publishers.size >= maxPublishers) makeRoom(at);
        w = newWindow(windowBits, at, created);
        publishers.set(key, w);
      }
      lastNode = node;
      lastEpoch = epoch;
      lastWindow = w;
      w.lastSeen = at;
      // Below the floor this entry cannot tell: an evicted entry of the same publisher may have
      // accepted that message (the same rule as a sequence number older than the bitmap).
      if (time <= w.floor) return RejectReason.Replay;
      return admit(w, seq, time, windowBits);
    },
  };
}

/**
 * Frees one slot of a full table (so a linear scan is fine): expired entries go first, since
 * their messages are all refused as `expired` anyway; otherwise the least recently seen one is
 * evicted. Returns the newest time the evicted entry accepted, or undefined when none was.
 */
function freeSlot(
  publishers: Map<string, PublisherWindow>,
  at: number,
  ttl: number,
): number | undefined {
  let freed = false;
  let victimKey: string | undefined;
  let victim: PublisherWindow | undefined;
  for (const [key, w] of publishers) {
    if (at - w.lastSeen > ttl) {
      publishers.delete(key);
      freed = true;
    } else if (victim === undefined || w.lastSeen < victim.lastSeen) {
      victimKey = key;
      victim = w;
    }
  }
  if (freed || victimKey === undefined || victim === undefined) return undefined;
  publishers.delete(victimKey);
  return victim.newest;
}

const get = (bits: Uint32Array, i: number): boolean => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
const set = (bits: Uint32Array, i: number): void => {
  bits[i >>> 5]! |= 1 << (i & 31);
};
const clear = (bits: Uint32Array, i: number): void => {
  bits[i >>> 5]! &= ~(1 << (i & 31));
};

/** Forgets the publishers not seen for `ttl` ms; returns when to sweep next. */
function sweep(publishers: Map<string, PublisherWindow>, at: number, ttl: number): number {
  for (const [key, w] of publishers) {
    if (at - w.lastSeen > ttl) publishers.delete(key);
  }
  return at + Math.min(ttl, 10_000);
}

/** A publisher's window when first seen at `at`: nothing accepted, `floor` as its own floor. */
function newWindow(windowBits: number, at: number, floor: number): PublisherWindow {
  return {
    highest: 0,
    bits: new Uint32Array(windowBits / 32),
    lastSeen: at,
    newest: Number.NEGATIVE_INFINITY,
    floor,
  };
}

/**
 * The sequence step of one message inside the time window: a number above the highest slides
 * the bitmap; one inside it is accepted once; one older than the bitmap is a replay.
 */
function admit(
  w: PublisherWindow,
  seq: number,
  time: number,
  windowBits: number,
): RejectReason | undefined {
  if (seq > w.highest) {
    const advance = seq - w.highest;
    if (advance >= windowBits) w.bits.fill(0);
    else for (let s = w.highest + 1; s < seq; s++) clear(w.bits, s % windowBits);
    w.highest = seq;
    set(w.bits, seq % windowBits);
    if (time > w.newest) w.newest = time;
    return undefined;
  }
  if (seq <= w.highest - windowBits) return RejectReason.Replay;
  const bit = seq % windowBits;
  if (get(w.bits, bit)) return RejectReason.Replay;
  set(w.bits, bit);
  if (time > w.newest) w.newest = time;
  return undefined;
}
