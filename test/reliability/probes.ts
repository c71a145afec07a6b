/**
 * Measuring the process while a scenario runs: resident memory (RSS) sampled on a timer, and
 * event-loop lag from `perf_hooks.monitorEventLoopDelay`. The suite runs with `--expose-gc`, so
 * the figures before and after can be taken right after a full collection.
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const MB = 1024 * 1024;

/** Runs a full garbage collection when `--expose-gc` is on (twice: weak references settle). */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

/** True when `collect()` really collects. */
export const canCollect = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

/** RSS in MB, rounded to 0.1. */
export const rssMb = (): number => Math.round((process.memoryUsage.rss() / MB) * 10) / 10;

/** Heap reserved by V8 in MB, rounded to 0.1 (what the heap adds to RSS). */
export const heapTotalMb = (): number =>
  Math.round((process.memoryUsage().heapTotal / MB) * 10) / 10;

/** Heap in use in MB, rounded to 0.1. */
export const heapMb = (): number => Math.round((process.memoryUsage().heapUsed / MB) * 10) / 10;

/** Memory outside the V8 heap (Buffers, ArrayBuffers, native objects) in MB, rounded to 0.1. */
export const externalMb = (): number => Math.round((process.memoryUsage().external / MB) * 10) / 10;

/** RSS samples on a timer. */
export interface MemoryProbe {
  /** The highest RSS seen, in MB. */
  readonly peakMb: number;
  readonly samples: readonly number[];
  /** `parts + 1` samples evenly spread from the first to the last: leak or plateau? */
  trend(parts?: number): number[];
  stop(): void;
}

/** Samples RSS every `intervalMs`. */
export function memoryProbe(intervalMs = 250): MemoryProbe {
  const samples: number[] = [];
  let peakMb = 0;
  const sample = (): void => {
    const mb = rssMb();
    samples.push(mb);
    if (mb > peakMb) peakMb = mb;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    get peakMb() {
      return peakMb;
    },
    samples,
    trend(parts = 10) {
      if (samples.length === 0) return [];
      return Array.from(
        { length: parts + 1 },
        (_, i) => samples[Math.round((i * (samples.length - 1)) / parts)]!,
      );
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Event-loop lag percentiles, in ms: how late the monitor's 10 ms timer fired. The histogram
 * itself records the whole interval between two firings (resolution + lag); the resolution is
 * subtracted here, as Fastify's under-pressure does. `raw*` keep the histogram's own figures.
 */
export interface LagFigures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly rawP99: number;
  readonly rawMax: number;
}

/** The monitor's timer interval, in ms. */
export const LAG_RESOLUTION_MS = 10;

/** Event-loop delay since the last `reset()`. */
export interface LagMonitor {
  reset(): void;
  figures(): LagFigures;
  stop(): void;
}

/** Starts `monitorEventLoopDelay` at a 10 ms resolution. */
export function lagMonitor(): LagMonitor {
  const histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  histogram.enable();
  const ms = (ns: number): number => Math.round((ns / 1e6) * 10) / 10;
  const lag = (ns: number): number => Math.max(0, ms(ns - LAG_RESOLUTION_MS * 1e6));
  return {
    reset: () => histogram.reset(),
    figures: () => ({
      p50: lag(histogram.percentile(50)),
      p99: lag(histogram.percentile(99)),
      max: lag(histogram.max),
      mean: lag(histogram.mean),
      rawP99: ms(histogram.percentile(99)),
      rawMax: ms(histogram.max),
    }),
    stop: () => histogram.disable(),
  };
}

/** The 1-minute load average: above the CPU count, other work competed with the scenario. */
export const loadAverage = (): number => Math.round((loadavg()[0] ?? 0) * 10) / 10;
