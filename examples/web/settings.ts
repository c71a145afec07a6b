/**
 * An instance's settings, from its environment (how the launcher configures each process) or
 * from code (the in-process mode and the tests). Every variable is optional; the defaults suit a
 * person watching the page. The browser tests shorten the periods so a killed instance is
 * reported lost within a few seconds.
 *
 * | variable                    | meaning                                            | default |
 * | --------------------------- | -------------------------------------------------- | ------- |
 * | `HERALD_DEMO_NODE`          | the instance's node id                             | `web-1` |
 * | `HERALD_DEMO_PORT`          | HTTP port; taken when in use: a free one instead   | `0` (free) |
 * | `HERALD_DEMO_PREFIX`        | channel namespace (Redis `<p>:`, PostgreSQL `<p>`) | `herald_demo` |
 * | `HERALD_DEMO_HEARTBEAT_MS`  | presence heartbeat                                 | `1000`  |
 * | `HERALD_DEMO_DOWN_AFTER_MS` | silence after which an instance is down (lost)     | `5000`  |
 * | `HERALD_DEMO_HEALTH_MS`     | period of each instance's health report            | `2000`  |
 * | `HERALD_DEMO_METRICS_MS`    | period of each instance's metrics report           | `2000`  |
 */

/** The periods that decide how fast the page sees a change of the fleet. */
export interface DemoTimings {
  /** Presence heartbeat, ms. */
  readonly heartbeatMs: number;
  /** Silence after which an instance's presences leave and it is reported lost, ms. */
  readonly downAfterMs: number;
  /** Health report period, ms. */
  readonly healthMs: number;
  /** Metrics report period, ms. */
  readonly metricsMs: number;
}

/** The demo's periods: lively for a person, light on the machine. */
export const DEMO_TIMINGS: DemoTimings = {
  heartbeatMs: 1000,
  downAfterMs: 5000,
  healthMs: 2000,
  metricsMs: 2000,
};

/** Node id, port and channel prefix of one instance. */
export interface InstanceIdentity {
  readonly nodeId: string;
  /** 0: a free port. */
  readonly port: number;
  /**
   * Channel namespace on a server transport: Redis channels start with `<prefix>:`, PostgreSQL
   * channels with `<prefix>` (1-30 of `[A-Za-z0-9_]`, a letter first, PostgreSQL's rule).
   */
  readonly prefix: string;
}

/** The environment variables the launcher sets for each instance. */
export const DemoEnv = {
  Node: 'HERALD_DEMO_NODE',
  Port: 'HERALD_DEMO_PORT',
  Prefix: 'HERALD_DEMO_PREFIX',
  HeartbeatMs: 'HERALD_DEMO_HEARTBEAT_MS',
  DownAfterMs: 'HERALD_DEMO_DOWN_AFTER_MS',
  HealthMs: 'HERALD_DEMO_HEALTH_MS',
  MetricsMs: 'HERALD_DEMO_METRICS_MS',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${text} is not an integer between ${min} and ${max}`);
  }
  return value;
}

/** The periods from the environment, each defaulting to {@link DEMO_TIMINGS}. */
export function timingsFromEnv(env: Env): DemoTimings {
  const heartbeatMs = integer(env, DemoEnv.HeartbeatMs, DEMO_TIMINGS.heartbeatMs, 50, 60_000);
  const downAfterMs = integer(env, DemoEnv.DownAfterMs, DEMO_TIMINGS.downAfterMs, 100, 600_000);
  if (downAfterMs <= 2 * heartbeatMs) {
    throw new Error(
      `${DemoEnv.DownAfterMs} (${downAfterMs}) must be more than two heartbeats (${DemoEnv.HeartbeatMs} ${heartbeatMs})`,
    );
  }
  return {
    heartbeatMs,
    downAfterMs,
    healthMs: integer(env, DemoEnv.HealthMs, DEMO_TIMINGS.healthMs, 100, 600_000),
    metricsMs: integer(env, DemoEnv.MetricsMs, DEMO_TIMINGS.metricsMs, 100, 600_000),
  };
}

/** Node id, port and prefix from the environment. */
export function identityFromEnv(env: Env): InstanceIdentity {
  // createBus checks the node id (src/rules.ts): a bad one fails there with a ConfigError.
  return {
    nodeId: env[DemoEnv.Node]?.trim() || 'web-1',
    port: integer(env, DemoEnv.Port, 0, 0, 65_535),
    prefix: prefixFromEnv(env),
  };
}

function prefixFromEnv(env: Env): string {
  const prefix = env[DemoEnv.Prefix]?.trim() || 'herald_demo';
  if (!/^[A-Za-z][A-Za-z0-9_]{0,29}$/.test(prefix)) {
    throw new Error(
      `${DemoEnv.Prefix}=${prefix} is not 1-30 of [A-Za-z0-9_] starting with a letter`,
    );
  }
  return prefix;
}

/** The transport options that put a bus in namespace `prefix` (see {@link InstanceIdentity}). */
export const prefixOptions = (prefix: string) => ({
  redis: { prefix: `${prefix}:` },
  postgres: { prefix },
});

/** The environment that hands `timings` to a child instance. */
export function timingsEnv(timings: DemoTimings): Record<string, string> {
  return {
    [DemoEnv.HeartbeatMs]: String(timings.heartbeatMs),
    [DemoEnv.DownAfterMs]: String(timings.downAfterMs),
    [DemoEnv.HealthMs]: String(timings.healthMs),
    [DemoEnv.MetricsMs]: String(timings.metricsMs),
  };
}
