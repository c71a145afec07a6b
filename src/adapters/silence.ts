/**
 * A reply deadline that a busy event loop cannot trip by itself: "silent, not slow".
 *
 * A reply queues behind every message the server sent before it, so a subscriber working through
 * a backlog waits seconds for a heartbeat's answer. Declaring that connection dead would throw away
 * everything it had not read (issue 13: 28,000 of 46,000 messages). So the deadline restarts with
 * every sign of life (`heard`), and before it is declared missed the event loop gets one pass to
 * read what the socket already holds: a `setImmediate` scheduled from a timer runs after the poll
 * phase. Used by the PostgreSQL listener's queries and the Redis PING.
 *
 * Invariant: `silent` runs at most once, and only after `timeoutMs` in which neither the reply
 * nor any other sign of life arrived, with the socket read since the timer fired.
 */

/** A running deadline. */
export interface SilenceWatch {
  /** The reply came (or the wait is over for another reason): `silent` never runs. */
  cancel(): void;
}

/**
 * Calls `silent` once nothing was heard for `timeoutMs` after `since`; `heard` returns when the
 * connection last showed life (ms since the epoch).
 */
export function watchSilence(
  timeoutMs: number,
  since: number,
  heard: () => number,
  silent: () => void,
): SilenceWatch {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const missed = (): void => {
    if (done) return;
    const quiet = Date.now() - Math.max(heard(), since);
    if (quiet < timeoutMs) {
      timer = setTimeout(check, timeoutMs - quiet);
      return;
    }
    done = true;
    silent();
  };
  const check = (): void => {
    setImmediate(missed);
  };
  timer = setTimeout(check, timeoutMs);
  return {
    cancel() {
      done = true;
      clearTimeout(timer);
    },
  };
}
