/**
 * The benchmark harness: runs every system of a scenario in the same process, alternating, over
 * repeated rounds, and turns the timings into medians, spreads, ratios and latency percentiles.
 *
 * A round runs each system once on the same number of messages. The starting system rotates from
 * round to round, so no system always runs first (cold) or last (after the others' garbage).
 * Warm-up rounds run first and are discarded; they also size each system's runs so a timed run
 * lasts about the same time for a fast system as for a slow one. A full GC runs before each run
 * when the process has `--expose-gc`. Systems count their own deliveries and fail a run that loses one.
 */
import { performance } from 'node:perf_hooks';
import type { Progress } from './progress.js';
import { type Percentiles, percentiles, type Spread, spread } from './stats.js';

/** `quick` finishes the whole suite in under a minute; `full` takes a few minutes. */
export type Mode = 'quick' | 'full';

/** A number per mode. */
export interface PerMode {
  readonly quick: number;
  readonly full: number;
}

/** What a timed run may hand back besides its duration. */
export interface RunResult {
  /** Publish→handler latency of each message (or a sample of them), in ms. */
  readonly latencyMs?: Float64Array;
}

/** One contestant of a scenario: Herald in some configuration, or a baseline. */
export interface System {
  /** Stable id, used in ratios and in the JSON (`herald`, `eventemitter`, ...). */
  readonly id: string;
  /** What a person reads in the table. */
  readonly label: string;
  /** What exactly runs, for the JSON and the docs. */
  readonly note?: string;
  /** Messages of the first warm-up run, when this system needs a different count than the scenario's. */
  readonly messages?: PerMode;
  /** Ids of the systems this one is compared with; defaults to the scenario's baselines. */
  readonly compareTo?: readonly string[];
  /** Package versions this system runs on (e.g. `{ ioredis: '5.11.1' }`). */
  readonly versions?: Readonly<Record<string, string>>;
  /** Connects, subscribes; not timed. */
  setup?(): Promise<void>;
  /** Untimed work before each run (pre-encoding inputs, resetting counters). */
  prepare?(n: number): void | Promise<void>;
  /** The timed part: handles `n` messages and resolves once every one was delivered. */
  run(n: number): Promise<RunResult | undefined>;
  /** Checks invariants after the last round (no drops, no rejections); throws if broken. */
  verify?(): void | Promise<void>;
  /** Releases everything; not timed. */
  teardown?(): Promise<void>;
}

/** A scenario: one question, several systems answering it. */
export interface Scenario {
  /** Stable id, used by `--only` and in the JSON. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences: what is measured, and how. */
  readonly measures: string;
  /**
   * `throughput` rows read as msgs/s; `cost` rows as µs per message per step; `latency` rows as
   * publish → handler percentiles at a fixed rate (runs are not resized, ratios compare p99s).
   */
  readonly kind: 'throughput' | 'cost' | 'latency';
  /**
   * Messages of each system's first warm-up run. Warm-up then calibrates the count so a timed run
   * lasts about {@link RUN_SECONDS} (never fewer than {@link MIN_MESSAGES}).
   */
  readonly messages: PerMode;
  /** Ids of the systems others are compared with. */
  readonly baselines: readonly string[];
  /** Rounds when the defaults ({@link ROUNDS}) do not fit (long fixed-rate runs). */
  readonly rounds?: Readonly<Record<Mode, { readonly warmup: number; readonly timed: number }>>;
  /** Knobs that shape the numbers (window size, payload bytes, ...), recorded in the JSON. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** Why the scenario cannot run here (e.g. server unreachable), or undefined when it can. */
  unavailable?(): Promise<string | undefined>;
  /** Builds the systems (not yet set up). */
  systems(mode: Mode): Promise<System[]>;
}

/** The measured figures of one system. */
export interface SystemResult {
  readonly id: string;
  readonly label: string;
  readonly note: string | undefined;
  readonly versions: Readonly<Record<string, string>> | undefined;
  /** Messages per timed run (calibrated during warm-up). */
  readonly messages: number;
  /** msgs/s of each timed round, in round order. */
  readonly rounds: readonly number[];
  readonly rate: Spread;
  /** Microseconds per message at the median rate. */
  readonly usPerMsg: number;
  readonly latency: Percentiles | undefined;
  /** Throughput ratio to each baseline: ratio of medians, with min/max over paired rounds. */
  readonly ratios: Readonly<Record<string, Spread>>;
  /** p99 latency ratio to each baseline (latency scenarios): over all samples, min/max over paired rounds. */
  readonly p99Ratios: Readonly<Record<string, Spread>>;
}

/** The outcome of one scenario. */
export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly warmupRounds: number;
  readonly rounds: number;
  readonly results: readonly SystemResult[];
  /** Systems that failed (lost messages, threw, timed out); the others still have results. */
  readonly failures: readonly {
    readonly id: string;
    readonly label: string;
    readonly reason: string;
  }[];
  /** Set when the scenario did not run (server unreachable). */
  readonly skipped?: string;
  /** Set when the whole scenario failed (a set-up failed). */
  readonly failed?: string;
  readonly seconds: number;
}

/** Rounds per mode. */
export const ROUNDS = {
  quick: { warmup: 1, timed: 3 },
  full: { warmup: 2, timed: 5 },
} as const;

/** Target duration of one timed run, in seconds: long enough for a stable rate, short enough to alternate often. */
export const RUN_SECONDS = { quick: 0.1, full: 0.4 } as const;

/** Fewest messages in a timed run (quick mode accepts shorter runs of slow systems). */
export const MIN_MESSAGES = { quick: 300, full: 1000 } as const;

/** Longest a single run may take before it counts as lost messages. */
const RUN_TIMEOUT_MS = 120_000;

const gc = (globalThis as { gc?: () => void }).gc;

/** Runs one scenario: set-up, warm-up, alternating timed rounds, verification, tear-down. */
export async function runScenario(
  scenario: Scenario,
  mode: Mode,
  progress: Progress,
): Promise<ScenarioResult> {
  const started = performance.now();
  const { warmup, timed } = (scenario.rounds ?? ROUNDS)[mode];
  const fixed = scenario.kind === 'latency';
  const done = (extra: Partial<ScenarioResult>): ScenarioResult => ({
    scenario,
    warmupRounds: warmup,
    rounds: timed,
    results: [],
    failures: [],
    seconds: (performance.now() - started) / 1000,
    ...extra,
  });

  const skip = await scenario.unavailable?.();
  if (skip !== undefined) return done({ skipped: skip });

  const systems = await scenario.systems(mode);
  const samples = new Map<string, number[]>(systems.map((s) => [s.id, []]));
  const latencies = new Map<string, Float64Array[]>(systems.map((s) => [s.id, []]));
  const counts = new Map<string, number>(
    systems.map((s) => [s.id, (s.messages ?? scenario.messages)[mode]]),
  );
  const ready: System[] = [];
  const failures = new Map<string, string>();
  const fail = (system: System, error: unknown): void => {
    const reason = error instanceof Error ? error.message : String(error);
    failures.set(system.id, reason);
    progress.log(`  ${scenario.id}: ${system.label} FAILED: ${reason}`);
  };
  try {
    for (const system of systems) {
      progress.update(`${scenario.id}: setting up ${system.label}`);
      await system.setup?.();
      ready.push(system);
    }
    for (let round = 0; round < warmup + timed; round++) {
      const isWarmup = round < warmup;
      const tag = isWarmup
        ? `warm-up ${round + 1}/${warmup}`
        : `round ${round - warmup + 1}/${timed}`;
      const parts: string[] = [];
      for (let k = 0; k < systems.length; k++) {
        const system = systems[(round + k) % systems.length]!;
        if (failures.has(system.id)) continue;
        // Fixed-rate runs keep their length; their warm-up runs are a fifth as long.
        const full = counts.get(system.id)!;
        const n = fixed && isWarmup ? Math.ceil(full / 5) : full;
        progress.update(`${scenario.id} ${tag}: ${system.label} (${n} msgs)`);
        let result: RunResult | undefined;
        let seconds: number;
        try {
          await system.prepare?.(n);
          gc?.();
          const t0 = performance.now();
          result = await withTimeout(system.run(n), `${system.label}, ${n} messages`);
          seconds = (performance.now() - t0) / 1000;
        } catch (error) {
          fail(system, error);
          continue;
        }
        const rate = n / seconds;
        parts.push(`${system.id} ${formatRate(rate)}`);
        if (isWarmup) {
          if (!fixed) counts.set(system.id, calibrated(rate * RUN_SECONDS[mode], mode));
          continue;
        }
        samples.get(system.id)!.push(rate);
        if (result?.latencyMs) latencies.get(system.id)!.push(result.latencyMs);
      }
      progress.log(`  ${scenario.id} ${tag}: ${parts.join(' · ')}`);
    }
    for (const system of systems) {
      if (failures.has(system.id)) continue;
      try {
        await system.verify?.();
      } catch (error) {
        fail(system, error);
      }
    }
  } catch (error) {
    return done({ failed: error instanceof Error ? error.message : String(error) });
  } finally {
    for (const system of ready.reverse()) {
      await system.teardown?.().catch((error: unknown) => {
        progress.log(`  ${scenario.id}: teardown of ${system.label} failed: ${String(error)}`);
      });
    }
  }

  const ok = systems.filter((s) => !failures.has(s.id));
  const results = ok.map((system): SystemResult => {
    const rounds = samples.get(system.id)!;
    const rate = spread(rounds);
    const latency = percentiles(latencies.get(system.id)!);
    const ratios: Record<string, Spread> = {};
    const p99Ratios: Record<string, Spread> = {};
    for (const base of system.compareTo ?? scenario.baselines) {
      const other = samples.get(base);
      if (!other || base === system.id || failures.has(base)) continue;
      const paired = spread(rounds.map((r, i) => r / other[i]!));
      ratios[base] = {
        median: rate.median / spread(other).median,
        min: paired.min,
        max: paired.max,
      };
      const mine = latencies.get(system.id)!;
      const theirs = latencies.get(base)!;
      const baseLatency = percentiles(theirs);
      if (fixed && latency && baseLatency && mine.length === theirs.length) {
        const p99s = spread(
          mine.map((m, i) => percentiles([m])!.p99 / percentiles([theirs[i]!])!.p99),
        );
        p99Ratios[base] = { median: latency.p99 / baseLatency.p99, min: p99s.min, max: p99s.max };
      }
    }
    return {
      id: system.id,
      label: system.label,
      note: system.note,
      versions: system.versions,
      messages: counts.get(system.id)!,
      rounds,
      rate,
      usPerMsg: 1e6 / rate.median,
      latency,
      ratios,
      p99Ratios,
    };
  });
  return done({
    results,
    failures: systems
      .filter((s) => failures.has(s.id))
      .map((s) => ({ id: s.id, label: s.label, reason: failures.get(s.id)! })),
  });
}

/** A message count for a run: at least {@link MIN_MESSAGES}, rounded to 2 significant digits. */
function calibrated(messages: number, mode: Mode): number {
  const n = Math.max(MIN_MESSAGES[mode], messages);
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.round(n / unit) * unit;
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not all delivered after ${RUN_TIMEOUT_MS / 1000} s`)),
      RUN_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** 1234567 → "1.23M", 45678 → "45.7k". */
export function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(rate >= 1e5 ? 0 : 1)}k`;
  return rate.toFixed(0);
}
