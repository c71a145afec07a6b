/**
 * The progress display: one line rewritten in place on a terminal (what runs now), plus a log
 * line per finished round. Without a terminal (CI, a pipe) only the log lines are written, so
 * the output stays readable as a file. Everything goes to stderr; stdout carries the table.
 */

/** Where the harness reports what it is doing. */
export interface Progress {
  /** Replaces the live line (terminal only). */
  update(text: string): void;
  /** Writes a permanent line. */
  log(text: string): void;
  /** Clears the live line. */
  end(): void;
}

/** A progress display on `stream` (stderr by default). `quiet` keeps only the live line. */
export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  quiet = false,
): Progress {
  const tty = stream.isTTY === true;
  const width = (): number => Math.max(20, (stream.columns ?? 100) - 1);
  let live = false;
  const clear = (): void => {
    if (live) stream.write('\r\x1b[2K');
    live = false;
  };
  return {
    update(text) {
      if (!tty) return;
      clear();
      stream.write(text.length > width() ? `${text.slice(0, width() - 1)}…` : text);
      live = true;
    },
    log(text) {
      if (quiet && tty) return;
      clear();
      stream.write(`${text}\n`);
    },
    end: clear,
  };
}
