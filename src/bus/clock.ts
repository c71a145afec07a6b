/**
 * The clock that stamps published messages and judges the freshness of received ones.
 *
 * On some machines `Date.now()` is a system call: on this project's VM it costs ~150 ns, a third
 * of an in-process publish. A burst of publishes (or of messages read from one socket chunk) runs
 * in one synchronous stretch, so the clock is read once and reused by at most {@link REUSE}
 * callers until the current microtasks have run. A stamp is therefore never later than the real
 * time, and earlier only by the synchronous work of that stretch.
 */
import { schedule } from './microtask.js';

/** Callers served by one reading. */
export const REUSE = 64;

/** Wraps `read` (default `Date.now`) as described above. */
export function burstClock(read: () => number = Date.now): () => number {
  let value = 0;
  let left = 0;
  const expire = (): void => {
    left = 0;
  };
  return () => {
    if (left === 0) {
      value = read();
      left = REUSE;
      schedule(expire);
    }
    left--;
    return value;
  };
}
