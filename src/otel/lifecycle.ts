/**
 * How `herald/otel` ends: bounded, never throwing, and without losing the span of the handler it
 * is called from.
 *
 * - Export failures are written to the log once per failure streak (an OTLP receiver that is down
 *   is otherwise silent), and when exports work again.
 * - `shutdown()` waits briefly for spans still open elsewhere (another handler finishing), then
 *   flushes and stops the SDK, all within a deadline; past it, it logs what was dropped and
 *   resolves.
 * - Called inside a span (a consumer stopping in its last handler), it cannot wait for that span:
 *   the span ends only after `shutdown()` returns. It flushes what is finished, resolves, and
 *   stops the SDK when that span ends, so the span is exported too (the export keeps the process
 *   alive until it is sent or times out).
 */
import type { Span } from '@opentelemetry/api';

/** Where `herald/otel` reports problems. */
export type OtelLog = (line: string) => void;

/** The result an OpenTelemetry exporter hands its callback (`ExportResult`). */
interface ExportResult {
  readonly code: number;
  readonly error?: Error;
}

type ExportFn = (items: unknown, done: (result: ExportResult) => void) => void;

/** `ExportResultCode.SUCCESS` in every SDK line. */
const SUCCESS = 0;

/**
 * Wraps an exporter so that a failed export is logged (once until an export succeeds again).
 * Every other member is the exporter's own.
 */
export function reportFailures<T extends object>(exporter: T, what: string, log: OtelLog): T {
  let failing = false;
  return new Proxy(exporter, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key !== 'export') return value.bind(target);
      const exportFn = value as ExportFn;
      return (items: unknown, done: (result: ExportResult) => void) =>
        exportFn.call(target, items, (result) => {
          if (result.code !== SUCCESS && !failing) {
            failing = true;
            log(
              `herald/otel: exporting ${what} failed: ${result.error?.message ?? 'no reason given'}` +
                ' (further failures are not logged until an export succeeds)',
            );
          } else if (result.code === SUCCESS && failing) {
            failing = false;
            log(`herald/otel: exporting ${what} works again`);
          }
          done(result);
        });
    },
  });
}

/** A span processor that knows which spans are open, so shutdown can wait for them. */
export class OpenSpans {
  readonly #open = new Set<unknown>();
  readonly #waiters = new Set<() => void>();

  onStart(span: unknown): void {
    this.#open.add(span);
  }

  onEnd(span: unknown): void {
    this.#open.delete(span);
    for (const wake of [...this.#waiters]) wake();
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}

  /** True while `span` has started and not ended. */
  isOpen(span: Span | undefined): boolean {
    return span !== undefined && this.#open.has(span);
  }

  /** Resolves when no span but `except` is open, or at `deadline` (ms since the epoch). */
  settled(except: Span | undefined, deadline: number): Promise<void> {
    return this.#until(() => [...this.#open].every((s) => s === except), deadline, true);
  }

  /** Resolves when `span` has ended, or at `deadline`; does not keep the process alive. */
  ended(span: Span, deadline: number): Promise<void> {
    return this.#until(() => !this.#open.has(span), deadline, false);
  }

  #until(done: () => boolean, deadline: number, hold: boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (done()) finish();
      };
      const timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
      if (!hold) timer.unref();
      this.#waiters.add(check);
    });
  }
}

/** Settles `work` or gives up at `deadline`; true when it finished in time. Never rejects. */
export async function within(
  work: Promise<unknown>,
  deadline: number,
  what: string,
  log: OtelLog,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()));
  });
  try {
    const outcome = await Promise.race([work.then(() => 'done' as const), late]);
    if (outcome === 'late') {
      log(`herald/otel: ${what} did not finish in time; what it had not exported is dropped`);
      return false;
    }
    return true;
  } catch (error) {
    log(`herald/otel: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}
