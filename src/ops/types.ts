/**
 * Public types of the operations broadcaster (`herald/ops`): its options, the checks an
 * application registers, and the API of `operations()`. Payload types come from the catalogue
 * (`herald/catalog`), so every helper is typed by the schema it publishes.
 */
import type { PublishReceipt } from '../bus/types.js';
import type {
  AlertRaised,
  AlertResolved,
  ClusterHealthV2,
  ConfigChanged,
  MetricSample,
  ProcessExited,
  ProcessStarted,
  Severity,
} from '../catalog/index.js';
import type { BusFeature } from '../create-bus.js';
import type { Instrumentation } from '../telemetry/types.js';

/** Outcome of one application check, in the IETF health-check vocabulary. */
export interface CheckResult {
  readonly status: 'pass' | 'warn' | 'fail';
  /** What the check found, for humans (at most 512 characters). */
  readonly message?: string;
}

/**
 * A health check the application registers: returns (or resolves to) its outcome. A check that
 * throws, rejects or takes longer than `checkTimeoutMs` is a `fail` with the error's message.
 * @example async () => ((await db.query('select 1')) ? { status: 'pass' } : { status: 'fail' })
 */
export type HealthCheckFn = () => CheckResult | Promise<CheckResult>;

/** Options of `operations()`; every interval can also come from the environment. */
export interface OperationsOptions {
  /**
   * Interval of `health:node:{node}` reports, in ms. Env: `HERALD_HEALTH_INTERVAL_MS`.
   * @default 30000 (ExESDB's health interval)
   */
  readonly healthIntervalMs?: number;
  /**
   * Interval of `metrics:{component}` reports, in ms. Env: `HERALD_METRICS_INTERVAL_MS`.
   * @default 60000 (ExESDB's metrics interval)
   */
  readonly metricsIntervalMs?: number;
  /**
   * Jitter of every period, as a fraction of the interval: each period is drawn uniformly from
   * `interval × [1 - jitter, 1 + jitter]`, so a fleet started together drifts out of step.
   * Env: `HERALD_OPS_JITTER`. Between 0 and 0.5.
   * @default 0.1
   */
  readonly jitter?: number;
  /**
   * The component named in `metrics:{component}` reports of the bus itself.
   * @default 'herald'
   */
  readonly component?: string;
  /** The service version in `system:{node}` started. @default process.env.npm_package_version or '0.0.0' */
  readonly version?: string;
  /** Deployment environment in `system:{node}` started (`production`). Env: `NODE_ENV`. */
  readonly environment?: string;
  /** Application checks by name, run at every health report. */
  readonly checks?: Readonly<Record<string, HealthCheckFn>>;
  /**
   * Longest an application check may take, in ms.
   * @default 5000
   */
  readonly checkTimeoutMs?: number;
  /**
   * Event-loop delay p99 above which the `event_loop` check warns (and at four times, fails).
   * @default 100
   */
  readonly eventLoopWarnMs?: number;
  /**
   * Publish `health:cluster` from presence (at each health interval and on every join or loss).
   * @default true
   */
  readonly cluster?: boolean;
  /** Start enabled (`enable()`/`disable()` change it at run time). Env: `HERALD_OPS=off`. @default true */
  readonly enabled?: boolean;
  /** Where publish failures of periodic reports go. @default the bus's `handler_error` event */
  readonly onError?: (error: unknown) => void;
}

/** New intervals for a running broadcaster; each applies from now (its timer is re-armed). */
export interface IntervalChange {
  readonly healthIntervalMs?: number;
  readonly metricsIntervalMs?: number;
}

/** Current settings and counters of a broadcaster. */
export interface OperationsStatus {
  readonly enabled: boolean;
  readonly running: boolean;
  readonly healthIntervalMs: number;
  readonly metricsIntervalMs: number;
  readonly jitter: number;
  /** Reports sent, by kind. */
  readonly sent: Readonly<Record<'health' | 'metrics' | 'cluster' | 'system' | 'helper', number>>;
  /** Publishes that failed (each also reported through `onError`). */
  readonly errors: number;
}

/** The fields a helper fills: the reporting node and the time. */
type Filled = 'node' | 'timestamp';

/** Options of `alert()` beyond its four arguments. */
export interface AlertOptions {
  /** Stable id shared with its `resolveAlert`. @default `<type>@<node>` */
  readonly alertId?: string;
  readonly component?: string;
}

/** A lifecycle event of a supervised process, without the filled fields. */
export type LifecycleFields =
  | ({ readonly event: 'process_started' } & Omit<ProcessStarted, Filled>)
  | ({ readonly event: 'process_exited' } & Omit<ProcessExited, Filled>);

/** The operations broadcaster of one bus: a feature for `createBus({ features: [ops] })`. */
export interface Operations extends BusFeature {
  /** True while periodic reports and helpers publish. */
  readonly enabled: boolean;
  /** Resumes periodic reports (a health report goes out at once) and helper publishes. */
  enable(): void;
  /** Stops periodic reports; helpers resolve `undefined` without publishing. */
  disable(): void;
  /** Changes intervals on a running bus; invalid values throw a ConfigError and change nothing. */
  setIntervals(change: IntervalChange): void;
  /** Settings and counters. */
  status(): OperationsStatus;
  /** Builds and publishes a `health:node:{node}` report now. */
  reportHealth(): Promise<PublishReceipt | undefined>;
  /** Publishes the bus's `metrics:{component}` report of the window since the last one now. */
  reportMetrics(): Promise<PublishReceipt | undefined>;
  /** The cluster as presence sees it now: nodes up (with their status) and nodes lost. */
  cluster(): ClusterHealthV2;
  /**
   * Raises an alert on `alerts:{severity}` (node, timestamp and id filled):
   * `alert('node_failure', 'critical', 'Node down', { node: 'n1' })`.
   */
  alert(
    type: AlertRaised['type'],
    severity: Severity,
    message: string,
    context?: AlertRaised['context'],
    options?: AlertOptions,
  ): Promise<PublishReceipt | undefined>;
  /** Resolves an alert raised with the same type and severity (or `options.alertId`). */
  resolveAlert(
    type: AlertResolved['type'],
    severity: Severity,
    fields: Omit<AlertResolved, Filled | 'type' | 'severity' | 'alertId'>,
    options?: Pick<AlertOptions, 'alertId'>,
  ): Promise<PublishReceipt | undefined>;
  /** Publishes a supervised process's start or exit on `lifecycle:{node}`. */
  lifecycle(fields: LifecycleFields): Promise<PublishReceipt | undefined>;
  /** Publishes an applied configuration change on `system:{node}`. */
  configChanged(fields: Omit<ConfigChanged, Filled>): Promise<PublishReceipt | undefined>;
  /**
   * An Instrumentation that measures handler time for the metrics report (`handlerMs`) and hands
   * everything else to `inner` (OpenTelemetry by default). Opt-in, two clock reads per handler:
   * `createBus({ instrumentation: ops.timing(), features: [ops] })`.
   */
  timing(inner?: Instrumentation | false): Instrumentation;
  /** Publishes one named measurement on `metrics:{component}`. */
  metric(
    component: string,
    fields: Omit<MetricSample, Filled | 'component'>,
  ): Promise<PublishReceipt | undefined>;
}
