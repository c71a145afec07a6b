/**
 * Builds one `health:node:{node}` report (NodeHealthV2): memory, uptime and event-loop delay of
 * the process, the bus's transport and counters, and the application's checks, each timed and
 * bounded by `checkTimeoutMs`. The node's status is its worst check: a `fail` makes it
 * unhealthy, a `warn` degraded (the IETF health-check draft's rule).
 *
 * Event-loop delay comes from perf_hooks.monitorEventLoopDelay (a histogram sampled every 20 ms
 * by libuv, in ns); each report covers the time since the previous one, then resets it.
 */
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TransportStatus } from '../adapters/transport.js';
import type { BusStats } from '../bus/types.js';
import type { HealthCheck, HealthStatus, LatencyMs, NodeHealthV2 } from '../catalog/index.js';
import type { OpsSettings } from './settings.js';
import type { CheckResult, HealthCheckFn } from './types.js';

/** What a health report reads from its bus. */
export interface HealthSource {
  readonly nodeId: string;
  stats(): BusStats;
  transport(): TransportStatus;
}

/** The event-loop delay since the last read, in ms; undefined before any sample. */
export interface LoopDelay {
  start(): void;
  stop(): void;
  /** Percentiles since the previous read (which resets the histogram). */
  read(): LatencyMs | undefined;
}

const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;

/** A monitor of this process's event-loop delay. */
export function loopDelay(): LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  return {
    start: () => histogram.enable(),
    stop: () => histogram.disable(),
    read() {
      if (histogram.count === 0) return undefined;
      const value = {
        p50: ms(histogram.percentile(50)),
        p95: ms(histogram.percentile(95)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
      };
      histogram.reset();
      return value;
    },
  };
}

const MAX_MESSAGE = 512;
const text = (value: unknown): string =>
  (value instanceof Error ? value.message : String(value)).slice(0, MAX_MESSAGE) || 'failed';

/** Runs one application check, timed; a throw, a bad result or a timeout is a `fail`. */
export async function runCheck(
  name: string,
  check: HealthCheckFn,
  timeoutMs: number,
): Promise<HealthCheck> {
  const begin = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'fail', message: `timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  let result: CheckResult;
  try {
    result = await Promise.race([Promise.resolve().then(check), timeout]);
  } catch (error) {
    result = { status: 'fail', message: text(error) };
  } finally {
    clearTimeout(timer);
  }
  const status = ['pass', 'warn', 'fail'].includes(result?.status) ? result.status : 'fail';
  const message = result?.message === undefined ? undefined : text(result.message);
  const durationMs = Math.round((performance.now() - begin) * 1000) / 1000;
  return {
    name: name.slice(0, 64) || 'check',
    status,
    durationMs,
    ...(message ? { message } : {}),
  };
}

/** The worst status of a set of checks. */
export function statusOf(checks: readonly HealthCheck[]): HealthStatus {
  if (checks.some((c) => c.status === 'fail')) return 'unhealthy';
  if (checks.some((c) => c.status === 'warn')) return 'degraded';
  return 'healthy';
}

/** The built-in checks: the transport is connected, the event loop is responsive. */
export function builtinChecks(
  transport: TransportStatus,
  delay: LatencyMs | undefined,
  warnMs: number,
): HealthCheck[] {
  const connected = transport.state === 'connected';
  const checks: HealthCheck[] = [
    {
      name: 'transport',
      status: connected ? 'pass' : 'fail',
      durationMs: 0,
      message: `${transport.name} ${transport.state}`,
    },
  ];
  if (delay !== undefined) {
    const p99 = delay.p99;
    checks.push({
      name: 'event_loop',
      status: p99 > 4 * warnMs ? 'fail' : p99 > warnMs ? 'warn' : 'pass',
      durationMs: 0,
      message: `delay p99 ${p99} ms (warn above ${warnMs} ms)`,
    });
  }
  return checks;
}

/** Builds one health report of this node. */
export async function buildHealth(
  source: HealthSource,
  settings: OpsSettings,
  checks: Readonly<Record<string, HealthCheckFn>>,
  delay: LatencyMs | undefined,
  now: number,
): Promise<NodeHealthV2> {
  const transport = source.transport();
  const own = await Promise.all(
    Object.entries(checks).map(([name, fn]) => runCheck(name, fn, settings.checkTimeoutMs)),
  );
  const all = [...builtinChecks(transport, delay, settings.eventLoopWarnMs), ...own].slice(0, 64);
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const s = source.stats();
  return {
    node: source.nodeId,
    timestamp: new Date(now).toISOString(),
    status: statusOf(all),
    uptimeSeconds: Math.round(process.uptime() * 1000) / 1000,
    memory: { rss, heapUsed, heapTotal, external, arrayBuffers },
    checks: all,
    hostname: hostname().slice(0, 253) || 'unknown',
    pid: process.pid,
    ...(delay === undefined ? {} : { eventLoopDelayMs: delay }),
    transport: { name: transport.name, state: transport.state, channels: transport.channels },
    bus: {
      published: s.published,
      sent: s.sent,
      received: s.received,
      delivered: s.delivered,
      rejected: s.rejectedTotal,
      handlerErrors: s.handlerErrors,
      overflowDrops: s.overflowDrops,
      gaps: s.gaps,
    },
  };
}
