/**
 * A repeating timer whose every period is drawn from `interval × [1 - jitter, 1 + jitter]`.
 *
 * Why: nodes of a fleet deployed together start within a second of each other; with a fixed
 * period their reports would reach every dashboard and broker in one burst per interval, forever.
 * A fresh random period each time makes the phases random-walk apart (after k periods the
 * spread grows like `jitter × interval × √k`), while the mean period stays the interval.
 *
 * Invariant: at most one timer is armed; `stop()` leaves none. The timer is unref'd so a
 * forgotten broadcaster never keeps a process alive.
 */

/** A jittered repeating timer. */
export interface Schedule {
  /** Arms (or re-arms) the timer: the next tick comes one jittered interval from now. */
  start(): void;
  stop(): void;
  readonly armed: boolean;
}

/** One jittered period of `intervalMs`, with `random` in [0, 1). */
export function jittered(intervalMs: number, jitter: number, random: number): number {
  return Math.max(1, Math.round(intervalMs * (1 + jitter * (2 * random - 1))));
}

/** Creates a schedule that calls `tick` every jittered `interval()` ms until stopped. */
export function schedule(
  interval: () => number,
  jitter: number,
  tick: () => void,
  random: () => number = Math.random,
): Schedule {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    timer = setTimeout(
      () => {
        arm();
        tick();
      },
      jittered(interval(), jitter, random()),
    );
    timer.unref?.();
  };
  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    start() {
      stop();
      arm();
    },
    stop,
    get armed() {
      return timer !== undefined;
    },
  };
}
