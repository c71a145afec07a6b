/**
 * The operations broadcaster (herald/ops) on the in-process transport, through the public API:
 * what a node publishes on start, on each tick and on stop, the cluster view from presence,
 * run-time control, the helpers, the metrics window and handler timing.
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createLocalHub, type LocalHub } from '../../src/adapters/local.js';
import type { Message } from '../../src/bus/types.js';
import { catalog } from '../../src/catalog/index.js';
import { type Bus, createBus } from '../../src/create-bus.js';
import { ConfigError, ErrorCode } from '../../src/errors.js';
import {
  jittered,
  type Operations,
  type OperationsOptions,
  operations,
} from '../../src/ops/index.js';
import { defineTopics, event, topic } from '../../src/schemas/define.js';
import { samples } from '../catalog/samples.js';

const keys = {
  keys: [{ kid: 'ops-test', secret: `base64url:${randomBytes(32).toString('base64url')}` }],
};
const presence = { heartbeatMs: 50, downAfterMs: 400 };
const buses: Bus[] = [];

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

async function node(
  nodeId: string,
  hub: LocalHub,
  options: OperationsOptions = {},
  timed = false,
): Promise<{ bus: Bus<typeof catalog.defs>; ops: Operations }> {
  const ops = operations({ healthIntervalMs: 60_000, metricsIntervalMs: 60_000, ...options });
  const bus = createBus({
    registry: catalog,
    keys,
    nodeId,
    transport: hub.transport(),
    presence,
    features: [ops],
    log: false,
    ...(timed ? { instrumentation: ops.timing(false) } : {}),
  });
  buses.push(bus as unknown as Bus);
  await bus.start();
  return { bus, ops };
}

async function dashboard(hub: LocalHub): Promise<Bus<typeof catalog.defs>> {
  const bus = createBus({
    registry: catalog,
    keys,
    nodeId: 'dashboard',
    transport: hub.transport(),
    presence: false,
    log: false,
  });
  buses.push(bus as unknown as Bus);
  await bus.start();
  return bus;
}

/** Messages of `topic` collected by `bus`, and a wait for the first one matching `test`. */
async function watch<M extends Message>(bus: Bus<typeof catalog.defs>, name: string) {
  const seen: M[] = [];
  const waiters: { test: (m: M) => boolean; resolve: (m: M) => void }[] = [];
  await bus.subscribe(name as 'health:cluster', (m) => {
    seen.push(m as unknown as M);
    for (const w of [...waiters]) {
      if (w.test(m as unknown as M)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m as unknown as M);
      }
    }
  });
  return {
    seen,
    next(test: (m: M) => boolean = () => true, ms = 3_000): Promise<M> {
      const found = seen.find(test);
      if (found) return Promise.resolve(found);
      return new Promise<M>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing on ${name} in ${ms} ms`)), ms);
        waiters.push({
          test,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
  };
}

type Any = Message<string, Record<string, unknown>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the operations broadcaster on start and stop', () => {
  it('sends system started, a health report at once and the cluster, then stopping on stop', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const system = await watch<Any>(dash, 'system:api-1');
    const health = await watch<Any>(dash, 'health:node:api-1');
    const { bus } = await node('api-1', hub, { version: '2.4.1', environment: 'test' });

    const started = await system.next((m) => m.event === 'started');
    expect(started.payload).toMatchObject({
      node: 'api-1',
      version: '2.4.1',
      environment: 'test',
      pid: process.pid,
    });
    expect(typeof started.payload.hostname).toBe('string');
    const report = await health.next();
    expect(report.meta.version).toBe(2);
    expect(report.payload).toMatchObject({
      node: 'api-1',
      status: 'healthy',
      pid: process.pid,
      transport: { name: 'local', state: 'connected' },
      checks: [{ name: 'transport', status: 'pass' }],
    });
    expect(report.payload.bus).toMatchObject({ rejected: 0 });

    await bus.stop();
    const stopping = await system.next((m) => m.event === 'stopping');
    expect(stopping.payload).toMatchObject({ node: 'api-1', graceful: true });
  });

  it('reports the nodes up, a node that stops gracefully as gone and not lost', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const cluster = await watch<Any>(dash, 'health:cluster');
    const a = await node('api-1', hub);
    const b = await node('api-2', hub);
    const both = (m: Any) => m.meta.node === 'api-1' && m.payload.totalNodes === 2;
    const two = await cluster.next(both);
    expect(two.payload).toMatchObject({
      reporter: 'api-1',
      status: 'healthy',
      healthyNodes: 2,
      lost: [],
    });
    expect(a.ops.cluster().nodes?.map((n) => n.node)).toEqual(['api-1', 'api-2']);

    await b.bus.stop();
    const after = await cluster.next((m) => m.meta.node === 'api-1' && m.payload.totalNodes === 1);
    expect(after.payload).toMatchObject({ totalNodes: 1, lost: [] });
    expect(a.ops.cluster().lost).toEqual([]);
  });
});

describe('a dashboard on templates', () => {
  it('sees every node health through health:node:{node}, with the node as a typed parameter', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const nodes = new Map<string, string>();
    await dash.subscribe('health:node:{node}', (m) => {
      expectTypeOf(m.params.node).toEqualTypeOf<string>();
      nodes.set(m.params.node, m.payload.status);
    });
    await node('api-1', hub);
    await node('api-2', hub);
    await vi.waitFor(() => expect([...nodes.keys()].sort()).toEqual(['api-1', 'api-2']));
    expect(nodes.get('api-1')).toBe('healthy');
  });
});

describe('run-time control', () => {
  it('reports at the configured interval, stops when disabled, resumes at once when enabled', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const health = await watch<Any>(dash, 'health:node:api-1');
    const { ops } = await node('api-1', hub, { healthIntervalMs: 100, jitter: 0 });
    await sleep(450);
    const running = health.seen.length;
    expect(running).toBeGreaterThanOrEqual(3);

    ops.disable();
    expect(ops.enabled).toBe(false);
    await sleep(50); // a report already on its way may still arrive
    const off = health.seen.length;
    await sleep(350);
    expect(health.seen.length).toBe(off);
    expect(await ops.alert('disk.full', 'warning', 'nope')).toBeUndefined();

    ops.enable();
    await health.next(() => health.seen.length > off, 1_000);
    expect(ops.status()).toMatchObject({ enabled: true, running: true, healthIntervalMs: 100 });
  });

  it('changes intervals on a running bus and refuses invalid ones, changing nothing', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const metrics = await watch<Any>(dash, 'metrics:herald');
    const { ops } = await node('api-1', hub);
    expect(() => ops.setIntervals({ healthIntervalMs: 100, metricsIntervalMs: 0 })).toThrow(
      ConfigError,
    );
    expect(ops.status()).toMatchObject({ healthIntervalMs: 60_000, metricsIntervalMs: 60_000 });
    ops.setIntervals({ metricsIntervalMs: 100 });
    const report = await metrics.next((m) => m.event === 'bus', 2_000);
    expect(report.payload.windowMs).toBeGreaterThan(0);
    expect(ops.status().metricsIntervalMs).toBe(100);
  });
});

describe('the helpers', () => {
  it('fill node, timestamp and a stable alert id', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const alerts = await watch<Any>(dash, 'alerts:critical');
    const lifecycle = await watch<Any>(dash, 'lifecycle:api-1');
    const system = await watch<Any>(dash, 'system:api-1');
    const metric = await watch<Any>(dash, 'metrics:http');
    const { ops } = await node('api-1', hub);

    await ops.alert('node_failure', 'critical', 'Node down', { node: 'n1' });
    await ops.resolveAlert('node_failure', 'critical', { activeMs: 1200 });
    await ops.lifecycle({ event: 'process_started', process: 'w1', pid: 4242, restarts: 0 });
    await ops.configChanged({
      source: 'api',
      changes: [{ key: 'http.timeoutMs', before: 1, after: 2 }],
    });
    await ops.metric('http', { name: 'http.requests', value: 3, unit: '{request}' });

    const raised = await alerts.next((m) => m.event === 'raised');
    expect(raised.payload).toMatchObject({
      alertId: 'node_failure@api-1',
      type: 'node_failure',
      severity: 'critical',
      message: 'Node down',
      node: 'api-1',
      context: { node: 'n1' },
    });
    expect(Date.parse(String(raised.payload.timestamp))).toBeGreaterThan(Date.now() - 5_000);
    const resolved = await alerts.next((m) => m.event === 'resolved');
    expect(resolved.payload).toMatchObject({ alertId: 'node_failure@api-1', activeMs: 1200 });
    expect((await lifecycle.next()).payload).toMatchObject({ node: 'api-1', pid: 4242 });
    expect((await system.next((m) => m.event === 'config_changed')).payload).toMatchObject({
      node: 'api-1',
      source: 'api',
    });
    expect((await metric.next()).payload).toMatchObject({
      node: 'api-1',
      component: 'http',
      value: 3,
    });
    expect(ops.status().sent.helper).toBe(5);
  });

  it('rejects a helper call whose fields break the schema, naming the field', async () => {
    const { ops } = await node('api-1', createLocalHub());
    const refused = await ops
      .metric('http', { name: 'Not Dotted', value: 1, unit: 'ms' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidPayload, field: '/name' });
    expect(ops.status().errors).toBe(1);
  });
});

describe('health checks and metrics', () => {
  it('runs application checks: a failing, throwing or slow check makes the node unhealthy', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const health = await watch<Any>(dash, 'health:node:api-1');
    await node('api-1', hub, {
      checkTimeoutMs: 100,
      checks: {
        db: () => ({ status: 'pass' }),
        disk: () => ({ status: 'warn', message: '85% full' }),
        cache: () => {
          throw new Error('connection refused');
        },
        slow: () => new Promise(() => undefined),
      },
    });
    const report = await health.next();
    expect(report.payload.status).toBe('unhealthy');
    const checks = report.payload.checks as { name: string; status: string; message?: string }[];
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['transport', 'pass'],
      ['db', 'pass'],
      ['disk', 'warn'],
      ['cache', 'fail'],
      ['slow', 'fail'],
    ]);
    expect(checks.find((c) => c.name === 'cache')?.message).toBe('connection refused');
    expect(checks.find((c) => c.name === 'slow')?.message).toMatch(/timed out after 100 ms/);
  });

  it('reports the window: counts, rejections by reason, queue depths and handler time', async () => {
    const hub = createLocalHub();
    const { bus, ops } = await node('api-1', hub, {}, true);
    const forger = createBus({
      registry: catalog,
      keys: {
        keys: [{ kid: 'ops-test', secret: `base64url:${randomBytes(32).toString('base64url')}` }],
      },
      nodeId: 'forger',
      transport: hub.transport(),
      presence: false,
      log: false,
    });
    buses.push(forger as unknown as Bus);
    await forger.start();
    let handled = 0;
    await bus.subscribe('audit', async () => {
      handled++;
      await sleep(5);
    });
    await ops.reportMetrics();
    for (let i = 0; i < 3; i++) {
      await forger.broadcast('audit', 'admin_action', samples.audit.admin_action);
    }
    await bus.localBroadcast('audit', 'admin_action', samples.audit.admin_action);
    await sleep(100);
    expect(handled).toBe(1);
    const seen: Any[] = [];
    const dash = await dashboard(hub);
    await dash.subscribe('metrics:herald', (m) => void seen.push(m as unknown as Any));
    await ops.reportMetrics();
    await sleep(50);
    const report = seen[0]?.payload;
    expect(report).toMatchObject({
      node: 'api-1',
      component: 'herald',
      delivered: 1,
      rejected: [{ reason: 'bad_signature', count: 3 }],
      rejectedTotal: 3,
      queues: { subscriptions: 1, pending: 0 },
    });
    expect(report?.handlerMs).toMatchObject({ max: expect.any(Number) });
    expect((report?.handlerMs as { max: number } | undefined)?.max).toBeGreaterThanOrEqual(4);
  });
});

describe('jitter', () => {
  it('draws each period from interval × [1 - jitter, 1 + jitter], centred on the interval', () => {
    expect(jittered(1_000, 0.1, 0)).toBe(900);
    expect(jittered(1_000, 0.1, 0.5)).toBe(1_000);
    expect(jittered(1_000, 0.1, 0.999_999)).toBe(1_100);
    expect(jittered(1_000, 0, 0.123)).toBe(1_000);
    const periods = Array.from({ length: 2_000 }, () => jittered(30_000, 0.1, Math.random()));
    expect(Math.min(...periods)).toBeGreaterThanOrEqual(27_000);
    expect(Math.max(...periods)).toBeLessThanOrEqual(33_000);
    const mean = periods.reduce((a, b) => a + b, 0) / periods.length;
    expect(Math.abs(mean - 30_000)).toBeLessThan(300);
  });

  it('keeps two nodes started together out of step', async () => {
    const hub = createLocalHub();
    const dash = await dashboard(hub);
    const times = new Map<string, number[]>();
    await dash.subscribe('health:node:{node}', (m) => {
      times.set(m.params.node, [...(times.get(m.params.node) ?? []), Date.now()]);
    });
    await Promise.all([
      node('api-1', hub, { healthIntervalMs: 100, jitter: 0.5 }),
      node('api-2', hub, { healthIntervalMs: 100, jitter: 0.5 }),
    ]);
    const count = (id: string) => times.get(id)?.length ?? 0;
    await vi.waitFor(
      () => expect(Math.min(count('api-1'), count('api-2'))).toBeGreaterThanOrEqual(6),
      { timeout: 5_000 },
    );
    const [a = [], b = []] = [times.get('api-1'), times.get('api-2')];
    // Same interval, same start: with jitter their periods differ (a fixed period would not).
    const gaps = (t: number[]) => t.slice(1, 6).map((x, i) => x - (t[i] as number));
    expect(gaps(a)).not.toEqual(gaps(b));
    expect(new Set(gaps(a)).size).toBeGreaterThan(1);
  });
});

describe('configuration', () => {
  it('takes intervals from options, else the environment, else 30 s and 60 s', () => {
    const env = { HERALD_HEALTH_INTERVAL_MS: '5000', HERALD_OPS_JITTER: '0.2' };
    const saved = { ...process.env };
    try {
      Object.assign(process.env, env);
      expect(operations().status()).toMatchObject({
        healthIntervalMs: 5000,
        metricsIntervalMs: 60_000,
        jitter: 0.2,
      });
      expect(operations({ healthIntervalMs: 1000 }).status().healthIntervalMs).toBe(1000);
      process.env.HERALD_HEALTH_INTERVAL_MS = 'soon';
      expect(() => operations()).toThrow(/HERALD_HEALTH_INTERVAL_MS="soon" is not a number/);
      process.env.HERALD_OPS = 'off';
      delete process.env.HERALD_HEALTH_INTERVAL_MS;
      expect(operations().enabled).toBe(false);
    } finally {
      for (const key of Object.keys(env).concat('HERALD_OPS')) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expect(operations().status()).toMatchObject({
      healthIntervalMs: 30_000,
      metricsIntervalMs: 60_000,
      jitter: 0.1,
    });
    expect(() => operations({ jitter: 0.9 })).toThrow(ConfigError);
    expect(() => operations({ healthIntervalMs: 10 })).toThrow(/out of range/);
  });

  it('refuses a bus whose registry lacks the catalogue, and a second bus', () => {
    const registry = defineTopics({
      chat: topic('chat:{room}', {
        events: { message: event(Type.Object({ text: Type.String() })) },
      }),
    });
    const ops = operations();
    expect(() => createBus({ registry, keys, features: [ops] })).toThrow(
      /lacks the topic "system:n"/,
    );
    const fine = operations();
    createBus({ registry: catalog, keys, features: [fine], log: false });
    expect(() => createBus({ registry: catalog, keys, features: [fine], log: false })).toThrow(
      /already on a bus/,
    );
    expect(() => fine.cluster()).not.toThrow();
    expect(() => operations().cluster()).toThrow(/before the broadcaster is on a bus/);
  });
});
