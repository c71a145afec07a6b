/**
 * The instance's operations broadcaster (`herald/ops`): health and bus metrics at the demo's
 * periods, `health:cluster` from presence (who is up, who was lost), plus two alerts the
 * operations panel shows as they happen:
 *
 * - `node.lost` (critical) when the cluster view names a node lost (killed, crashed, cut off),
 *   with one alert id per lost node, so every instance's report of it is one alert on the page;
 * - `message.rejected` (warning) when this instance's bus refuses an inbound message (a forgery,
 *   a tampered or replayed message), at most one per reason every few seconds.
 */
import type { Bus, Rejection } from '../../../src/index.js';
import { type Operations, operations } from '../../../src/ops/index.js';
import type { Client } from '../generated/client.js';
import type { registry } from '../registry.js';
import type { DemoTimings } from '../settings.js';

/** Least time between two `message.rejected` alerts of one reason, in ms. */
const REJECTION_ALERT_MS = 3000;

/** The broadcaster of an instance, with the demo's periods. */
export const demoOperations = (timings: DemoTimings): Operations =>
  operations({
    healthIntervalMs: timings.healthMs,
    metricsIntervalMs: timings.metricsMs,
    component: 'herald',
  });

/** Raises the demo's alerts on `ops`; resolves the function that stops them. */
export async function raiseAlerts(
  ops: Operations,
  bus: Bus<typeof registry.defs>,
  client: Client,
): Promise<() => Promise<void>> {
  const reported = new Set<string>();
  const cluster = await client.clusterHealth.status.subscribe({}, (health) => {
    for (const node of health.lost ?? []) {
      if (reported.has(node)) continue;
      reported.add(node);
      void ops.alert(
        'node.lost',
        'critical',
        `${node} stopped answering (lost)`,
        { node },
        {
          alertId: `node.lost:${node}`,
        },
      );
    }
    for (const node of reported) if (!(health.lost ?? []).includes(node)) reported.delete(node);
  });
  const last = new Map<string, number>();
  const off = bus.on('rejected', (rejection: Rejection) => {
    const now = Date.now();
    if (now - (last.get(rejection.reason) ?? 0) < REJECTION_ALERT_MS) return;
    last.set(rejection.reason, now);
    void ops.alert(
      'message.rejected',
      'warning',
      `refused a message on ${rejection.channel}: ${rejection.reason}`,
      { channel: rejection.channel, reason: rejection.reason },
      { alertId: `message.rejected:${rejection.reason}` },
    );
  });
  return async () => {
    off();
    await cluster.unsubscribe();
  };
}
