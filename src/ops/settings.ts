/**
 * The broadcaster's settings: each interval from its option, else its environment variable,
 * else ExESDB's default (health every 30 s, metrics every 60 s). An option is the application's
 * decision and wins; the environment is the operator's way to tune a deployment without a build.
 * Every value is checked here, so a typo fails at `operations()`, not an hour later.
 */
import { ConfigError } from '../errors.js';
import type { IntervalChange, OperationsOptions } from './types.js';

/** ExESDB's defaults (docs/operations.md). */
export const OPS_DEFAULTS = {
  healthIntervalMs: 30_000,
  metricsIntervalMs: 60_000,
  jitter: 0.1,
  checkTimeoutMs: 5_000,
  eventLoopWarnMs: 100,
} as const;

/** The environment variables the broadcaster reads. */
export const OPS_ENV = {
  healthIntervalMs: 'HERALD_HEALTH_INTERVAL_MS',
  metricsIntervalMs: 'HERALD_METRICS_INTERVAL_MS',
  jitter: 'HERALD_OPS_JITTER',
  enabled: 'HERALD_OPS',
} as const;

/** Shortest interval accepted: reports more often than this would be the load, not its measure. */
export const MIN_INTERVAL_MS = 50;
/** Longest interval accepted (a day; also under setTimeout's 2^31-1 ms limit). */
export const MAX_INTERVAL_MS = 86_400_000;

/** Checked settings. */
export interface OpsSettings {
  healthIntervalMs: number;
  metricsIntervalMs: number;
  readonly jitter: number;
  readonly checkTimeoutMs: number;
  readonly eventLoopWarnMs: number;
  readonly component: string;
  readonly version: string;
  readonly environment: string | undefined;
  readonly cluster: boolean;
  readonly enabled: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function fromEnv(env: Env, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new ConfigError(`${name}=${JSON.stringify(text)} is not a number`, {
      field: name,
      hint: `set ${name} to a number of milliseconds, or unset it`,
    });
  }
  return value;
}

/** Checks one interval; `source` names where it came from in the error. */
export function checkInterval(value: number, source: string): number {
  if (!Number.isFinite(value) || value < MIN_INTERVAL_MS || value > MAX_INTERVAL_MS) {
    throw new ConfigError(`${source} ${String(value)} is out of range`, {
      field: source,
      hint: `use ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS} ms`,
    });
  }
  return value;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Resolves and checks the options of `operations()` against the environment. */
export function resolveSettings(options: OperationsOptions, env: Env = process.env): OpsSettings {
  const pick = (key: 'healthIntervalMs' | 'metricsIntervalMs'): number =>
    checkInterval(
      options[key] ?? fromEnv(env, OPS_ENV[key]) ?? OPS_DEFAULTS[key],
      options[key] === undefined && env[OPS_ENV[key]] ? OPS_ENV[key] : key,
    );
  const jitter = options.jitter ?? fromEnv(env, OPS_ENV.jitter) ?? OPS_DEFAULTS.jitter;
  if (!(jitter >= 0 && jitter <= 0.5)) {
    throw new ConfigError(`jitter ${String(jitter)} is out of range`, {
      field: 'jitter',
      hint: 'use a fraction of the interval between 0 and 0.5 (0.1 is ±10 %)',
    });
  }
  const positive = (value: number, field: string): number => {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new ConfigError(`${field} ${String(value)} is invalid`, {
        field,
        hint: 'use a positive number of ms',
      });
    }
    return value;
  };
  const component = options.component ?? 'herald';
  if (!NAME.test(component)) {
    throw new ConfigError(`component "${component}" is invalid`, {
      field: 'component',
      hint: 'use 1-64 of [A-Za-z0-9_.-], e.g. herald or api',
    });
  }
  const off = env[OPS_ENV.enabled]?.toLowerCase();
  return {
    healthIntervalMs: pick('healthIntervalMs'),
    metricsIntervalMs: pick('metricsIntervalMs'),
    jitter,
    checkTimeoutMs: positive(
      options.checkTimeoutMs ?? OPS_DEFAULTS.checkTimeoutMs,
      'checkTimeoutMs',
    ),
    eventLoopWarnMs: positive(
      options.eventLoopWarnMs ?? OPS_DEFAULTS.eventLoopWarnMs,
      'eventLoopWarnMs',
    ),
    component,
    version: options.version ?? env.npm_package_version ?? '0.0.0',
    environment: options.environment ?? env.NODE_ENV,
    cluster: options.cluster ?? true,
    enabled: options.enabled ?? !(off === 'off' || off === 'false' || off === '0'),
  };
}

/** Applies an interval change to settings, all or nothing. */
export function applyIntervals(settings: OpsSettings, change: IntervalChange): void {
  const health =
    change.healthIntervalMs === undefined
      ? settings.healthIntervalMs
      : checkInterval(change.healthIntervalMs, 'healthIntervalMs');
  const metrics =
    change.metricsIntervalMs === undefined
      ? settings.metricsIntervalMs
      : checkInterval(change.metricsIntervalMs, 'metricsIntervalMs');
  settings.healthIntervalMs = health;
  settings.metricsIntervalMs = metrics;
}
