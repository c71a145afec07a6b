/**
 * One line of the `herald doctor` report and what every check shares: the verdict, the line
 * builder, an error's first line, a deadline for a probe, and how milliseconds are printed.
 */

/** A verdict of one line of the report. */
export const Verdict = { Ok: 'ok', Warn: 'warn', Fail: 'fail', Skip: 'skip' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** One line of the report. */
export interface CheckLine {
  readonly check: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly hint?: string;
  /** Measured figures, for `--json`. */
  readonly figures?: Readonly<Record<string, number | string>>;
}

/** Builds one line of the report. */
export const line = (
  check: string,
  verdict: Verdict,
  detail: string,
  extra: { hint?: string; figures?: Record<string, number | string> } = {},
): CheckLine => ({ check, verdict, detail, ...extra });

/** The first line of an error's message. */
export const message = (error: unknown): string =>
  error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);

/** How long a probe may wait for one answer, ms. */
export const TIMEOUT_MS = 2000;

/** `promise`, or a rejection naming `what` after `ms`. */
export function timed<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Milliseconds as the report prints them: one decimal below 10. */
export const ms = (n: number): string => (Math.abs(n) < 10 ? n.toFixed(1) : n.toFixed(0));
