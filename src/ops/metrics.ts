/**
 * Builds one `metrics:{component}` `bus` report (BusMetrics): what the bus did since the previous
 * report — counts and rates of the window from two snapshots of `bus.stats()`, rejections by
 * reason (only reasons that occurred), queue depths now, and handler time when it is measured
 * (timing.ts). The first window starts when the broadcaster starts.
 */
import type { QueueDepths } from '../bus/system.js';
import type { BusStats } from '../bus/types.js';
import type { BusMetrics } from '../catalog/index.js';
import type { HandlerTimes } from './timing.js';

/** What a metrics report reads from its bus. */
export interface MetricsSource {
  readonly nodeId: string;
  stats(): BusStats;
  queues(): QueueDepths;
}

/** The window between two reports. */
export interface MetricsWindow {
  /** Starts a new window now (the broadcaster's start). */
  reset(now: number): void;
  /** The report of the window ending now; starts the next window. */
  take(now: number): BusMetrics;
}

const rate = (count: number, ms: number): number => Math.round((count * 1e5) / ms) / 100;

/** Creates the window of one broadcaster. */
export function metricsWindow(
  source: MetricsSource,
  component: string,
  times: HandlerTimes,
): MetricsWindow {
  let since = 0;
  let last: BusStats | undefined;
  return {
    reset(now) {
      since = now;
      last = source.stats();
      times.take();
    },
    take(now) {
      const s = source.stats();
      const before = last ?? s;
      const d = (
        key:
          | 'published'
          | 'sent'
          | 'received'
          | 'delivered'
          | 'handlerErrors'
          | 'overflowDrops'
          | 'gaps'
          | 'rejectedTotal',
      ): number => Math.max(0, s[key] - before[key]);
      const windowMs = Math.max(1, now - since);
      const rejected = Object.entries(s.rejected)
        .map(([reason, count]) => ({
          reason,
          count: count - (before.rejected[reason as keyof BusStats['rejected']] ?? 0),
        }))
        .filter((r) => r.count > 0);
      const handlerMs = times.take();
      since = now;
      last = s;
      return {
        node: source.nodeId,
        component,
        timestamp: new Date(now).toISOString(),
        windowMs,
        published: d('published'),
        sent: d('sent'),
        received: d('received'),
        delivered: d('delivered'),
        publishedPerSecond: rate(d('published'), windowMs),
        deliveredPerSecond: rate(d('delivered'), windowMs),
        rejected,
        rejectedTotal: d('rejectedTotal'),
        handlerErrors: d('handlerErrors'),
        overflowDrops: d('overflowDrops'),
        gaps: d('gaps'),
        queues: source.queues(),
        ...(handlerMs === undefined ? {} : { handlerMs }),
      };
    },
  };
}
