/**
 * The catalogue on a real bus: two nodes on an isolated in-process hub exchange signed, verified
 * health and metrics events, and a schema-invalid metric is refused at publish.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalHub } from '../../src/adapters/local.js';
import type { Message } from '../../src/bus/types.js';
import {
  type Catalog,
  type ClusterHealth,
  catalog,
  catalogValidators,
  createCatalogClient,
  type ThroughputMetrics,
} from '../../src/catalog/index.js';
import { type Bus, createBus } from '../../src/create-bus.js';
import { ErrorCode, ValidationError } from '../../src/errors.js';
import { samples } from './samples.js';

const keys = {
  keys: [{ kid: 'ops-2025', secret: `base64url:${randomBytes(32).toString('base64url')}` }],
};
const started: Bus<Catalog['defs']>[] = [];

async function node(nodeId: string, hub: ReturnType<typeof createLocalHub>) {
  // Presence (which the catalogue declares on health:cluster for herald/ops) is off: these tests
  // count the messages a bus sends, and presence heartbeats would add to them.
  const bus = createBus({
    registry: catalog,
    keys,
    nodeId,
    transport: hub.transport(),
    presence: false,
  });
  await bus.start();
  started.push(bus);
  return bus;
}

/** Resolves with the first `count` messages a subscription receives. */
function collect<M>(count: number): { handler: (m: M) => void; done: Promise<M[]> } {
  const received: M[] = [];
  let resolve!: (value: M[]) => void;
  const done = new Promise<M[]>((r) => (resolve = r));
  return {
    handler: (message) => {
      received.push(message);
      if (received.length === count) resolve(received);
    },
    done,
  };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((bus) => bus.stop()));
});

describe('the catalogue on two buses', () => {
  it('carries a cluster health report and a metric from a node to a dashboard, signed and verified', async () => {
    const hub = createLocalHub();
    const dashboard = await node('dashboard-1', hub);
    const api = await node('api-1', hub);

    const health = collect<Message<'status', ClusterHealth>>(1);
    await dashboard.subscribe('health:cluster', health.handler);
    const metrics = collect<Message<'throughput', ThroughputMetrics>>(1);
    await dashboard.subscribe(catalog.topic('metrics', { component: 'http' }), metrics.handler, {
      events: ['throughput'],
    });

    await api.broadcast('health:cluster', 'status', samples.clusterHealth.status);
    await api.broadcast('metrics:http', 'throughput', samples.metrics.throughput);

    const [report] = await health.done;
    expect(report?.payload).toEqual(samples.clusterHealth.status);
    expect(report?.payload.healthyNodes).toBe(3);
    expect(report?.meta).toMatchObject({
      node: 'api-1',
      local: false,
      kid: 'ops-2025',
      version: 2,
    });

    const [metric] = await metrics.done;
    expect(metric?.event).toBe('throughput');
    expect(metric?.payload.ratePerSecond).toBe(214);
    expect(metric?.meta).toMatchObject({
      node: 'api-1',
      local: false,
      params: { component: 'http' },
    });
    expect(dashboard.stats().rejectedTotal).toBe(0);
  });

  it('refuses a schema-invalid metric at publish, naming the field, and sends nothing', async () => {
    const hub = createLocalHub();
    const dashboard = await node('dashboard-1', hub);
    const api = await node('api-1', hub);
    const seen: string[] = [];
    await dashboard.subscribe('metrics:http', (m) => {
      seen.push(m.event);
    });
    const negative = { ...samples.metrics.throughput, count: -12 };

    const refused = await api
      .broadcast('metrics:http', 'throughput', negative)
      .catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({
      code: ErrorCode.InvalidPayload,
      topic: 'metrics:http',
      event: 'throughput',
      field: '/count',
    });
    expect((refused as ValidationError).issues[0]).toMatchObject({
      path: '/count',
      keyword: 'integerMinimum',
    });
    expect(api.stats().sent).toBe(0);

    // A valid message sent afterwards arrives alone: the invalid one never left the node.
    const next = collect<Message>(1);
    await dashboard.subscribe('metrics:http', next.handler);
    await api.broadcast('metrics:http', 'metric', samples.metrics.metric);
    await next.done;
    expect(seen).toEqual(['metric']);
  });

  it('types payloads from the catalogue, so a wrong severity or an unknown event does not compile', async () => {
    const api = await node('api-1', createLocalHub());
    const bad = { ...samples.alerts.raised, severity: 'urgent' as const };

    // @ts-expect-error 'urgent' is not an RFC 5424 severity
    const refused = await api.broadcast('alerts:critical', 'raised', bad).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidPayload, field: '/severity' });

    const unknown = await api
      // @ts-expect-error health:cluster has no "degraded" event
      .broadcast('health:cluster', 'degraded', samples.clusterHealth.status)
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: ErrorCode.UnknownEvent, topic: 'health:cluster' });
  });
});

describe('the generated catalogue client', () => {
  it('publishes and receives through typed functions with the precompiled validators', async () => {
    const hub = createLocalHub();
    const [a, b] = await Promise.all(
      ['ops-a', 'ops-b'].map(async (nodeId) => {
        const bus = createBus({
          registry: catalog,
          keys,
          nodeId,
          transport: hub.transport(),
          validators: catalogValidators,
        });
        await bus.start();
        started.push(bus);
        return bus;
      }),
    );
    const sender = createCatalogClient(a!);
    const receiver = createCatalogClient(b!);
    const got: { payload: ClusterHealth; node: string }[] = [];
    await receiver.clusterHealth.status.subscribe({}, (payload, meta) => {
      got.push({ payload, node: meta.node });
    });
    await sender.clusterHealth.status.publish({}, samples.clusterHealth.status);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([{ payload: samples.clusterHealth.status, node: 'ops-a' }]);
    expect(b!.stats().rejectedTotal).toBe(0);
  });
});
