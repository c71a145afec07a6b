/**
 * Handler time, for the `metrics:{component}` report: an Instrumentation that times every
 * handler call and hands the rest to the bus's usual one (OpenTelemetry by default).
 *
 * Why a wrapper: the bus does no per-delivery timing of its own (with no SDK registered it calls
 * handlers directly, which keeps an in-process delivery at a few hundred ns). An application that
 * wants handler time in its metrics opts in with `createBus({ instrumentation: ops.timing() })`
 * and pays two clock reads per handler call. Durations are kept in a fixed reservoir (Vitter's
 * algorithm R, 1,024 samples) per window, so memory does not grow with traffic.
 */
import type { Message } from '../bus/types.js';
import type { LatencyMs } from '../catalog/index.js';
import { otelInstrumentation } from '../telemetry/otel.js';
import type { Instrumentation, ProcessInfo, PublishScope } from '../telemetry/types.js';

const RESERVOIR = 1024;
/** The scope of a publish nothing records. */
const NO_SCOPE: PublishScope = { end: () => undefined };

/** Handler durations of the current window. */
export class HandlerTimes {
  #samples: number[] = [];
  #seen = 0;
  #max = 0;
  #sum = 0;

  add(ms: number): void {
    this.#seen++;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
    if (this.#samples.length < RESERVOIR) this.#samples.push(ms);
    else {
      const at = Math.floor(Math.random() * this.#seen);
      if (at < RESERVOIR) this.#samples[at] = ms;
    }
  }

  /** Percentiles of the window, then a new window; undefined when no handler ran. */
  take(): LatencyMs | undefined {
    if (this.#seen === 0) return undefined;
    const sorted = this.#samples.sort((a, b) => a - b);
    const at = (q: number): number =>
      round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    const value = {
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      max: round(this.#max),
      mean: round(this.#sum / this.#seen),
    };
    this.#samples = [];
    this.#seen = 0;
    this.#max = 0;
    this.#sum = 0;
    return value;
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Runs `run` and records how long it took, to its promise's settlement when it returns one. */
function timed(times: HandlerTimes, run: () => void | Promise<void>): void | Promise<void> {
  const begin = performance.now();
  const done = (): void => times.add(performance.now() - begin);
  let result: void | Promise<void>;
  try {
    result = run();
  } catch (error) {
    done();
    throw error;
  }
  if (result instanceof Promise) return result.finally(done);
  done();
  return result;
}

/** An Instrumentation that records handler time in `times` and delegates to `inner`. */
export function timingInstrumentation(
  times: HandlerTimes,
  inner: Instrumentation | false = otelInstrumentation(),
): Instrumentation {
  const next = inner === false ? undefined : inner;
  const quiet = (): boolean => next === undefined || next.idle?.() === true;
  return {
    // Publishes are not timed: with a quiet inner instrumentation they cost one check, as before.
    publish: (info) => (quiet() ? NO_SCOPE : (next as Instrumentation).publish(info)),
    process(message: Message, info: ProcessInfo, run) {
      if (quiet()) return timed(times, run);
      return (next as Instrumentation).process(message, info, () => timed(times, run));
    },
    processBatch(messages: readonly Message[], info: ProcessInfo, run) {
      if (quiet() || next?.processBatch === undefined) return timed(times, run);
      return next.processBatch(messages, info, () => timed(times, run));
    },
    // Never idle: the bus must call process() for every delivery so that it can be timed.
    idle: () => false,
    rejected: (rejection, transport) => next?.rejected(rejection, transport),
    dropped: (topic, count) => next?.dropped(topic, count),
    transportEvent: (event, transport) => next?.transportEvent(event, transport),
  };
}
