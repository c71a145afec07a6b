/**
 * The bounded offline buffer: publishes held while their connection is down, sent in order when
 * it is back. Its size is fixed by the `offlineBuffer` option (0: nothing is held, publishes
 * reject at once); a publish that finds it full rejects. Unlike ioredis's offline queue it
 * never grows without bound, and what it holds is visible in `status().detail.buffered`.
 */

/** A publish waiting for its connection. */
export interface HeldPublish {
  readonly name: string;
  readonly data: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** The buffer. */
export interface OfflineBuffer {
  readonly size: number;
  readonly limit: number;
  /** Holds a publish; undefined when the buffer is full (or disabled). */
  hold(name: string, data: string): Promise<void> | undefined;
  /** True when a held publish matches (later publishes to it must queue behind, for order). */
  holds(match: (name: string) => boolean): boolean;
  /** Removes and returns the matching held publishes, oldest first. */
  take(match: (name: string) => boolean): HeldPublish[];
  /** Rejects and drops everything held. */
  rejectAll(error: unknown): void;
}

/** Creates a buffer holding at most `limit` publishes. */
export function createOfflineBuffer(limit: number): OfflineBuffer {
  let held: HeldPublish[] = [];
  return {
    get size() {
      return held.length;
    },
    limit,
    hold(name, data) {
      if (held.length >= limit) return undefined;
      return new Promise<void>((resolve, reject) => {
        held.push({ name, data, resolve, reject });
      });
    },
    holds: (match) => held.some((h) => match(h.name)),
    take(match) {
      const taken: HeldPublish[] = [];
      const kept: HeldPublish[] = [];
      for (const h of held) (match(h.name) ? taken : kept).push(h);
      held = kept;
      return taken;
    },
    rejectAll(error) {
      const all = held;
      held = [];
      for (const h of all) h.reject(error);
    },
  };
}
