/**
 * Metrics of the OpenTelemetry instrumentation, read from an in-memory metric exporter, and
 * transport events as spans: counts of sent, consumed, rejected and dropped messages, handler
 * durations, publish→deliver latency, gaps, and the connection-state gauge.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  type LocalHub,
  otelInstrumentation,
  type Transport,
  type TransportEvent,
  type TransportSink,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, type TestTopics, testRegistry } from '../../src/testing/registry.js';
import { installContextManager, metricRig, traceRig } from './harness.js';

const TEMPLATE = 'herald-test:{run}:{name}';
const open: Bus<TestTopics>[] = [];
const run = newRunId();
const topic = `herald-test:${run}:room` as const;

/** A hub transport whose connection events the test can raise. */
function controllable(hub: LocalHub): { transport: Transport; emit(e: TransportEvent): void } {
  const inner = hub.transport();
  let sink: TransportSink | undefined;
  return {
    transport: {
      ...inner,
      connect(s) {
        sink = s;
        return inner.connect(s);
      },
    },
    emit: (e) => sink?.event(e),
  };
}

beforeAll(installContextManager);
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.stop()));
});

const until = async (check: () => boolean | Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('metrics', () => {
  it('count sent, consumed, failed, rejected and dropped messages, with durations and latency', async () => {
    const metricsA = metricRig();
    const metricsB = metricRig();
    const hub = createLocalHub();
    const make = (nodeId: string, meterProvider: typeof metricsA.provider) => {
      const bus = createBus({
        registry: testRegistry,
        keys: testKeys(),
        transport: hub.transport(),
        nodeId,
        instrumentation: otelInstrumentation({ meterProvider }),
      });
      open.push(bus);
      return bus;
    };
    const a = make('metrics-a', metricsA.provider);
    const b = make('metrics-b', metricsB.provider);
    await a.start();
    await b.start();
    await b.subscribe(topic, () => undefined);
    await b.subscribe(topic, () => {
      throw new Error('nope');
    });
    const slow = `herald-test:${run}:slow` as const;
    await b.subscribe(slow, () => new Promise((r) => setTimeout(r, 20)), {
      queue: { limit: 1, overflow: 'drop-newest' },
    });
    for (let n = 0; n < 3; n++) await a.broadcast(topic, 'posted', { n, from: 'a', text: 'm' });
    for (let n = 0; n < 3; n++) void a.broadcast(slow, 'posted', { n, from: 'a', text: 's' });
    const spy = hub.transport();
    await spy.connect({ message() {}, event() {} });
    await spy.publish(topic, 'not a message');
    await until(() => b.stats().delivered === 7 && b.stats().rejectedTotal === 1);
    await spy.close();
    // The slow handler's run ends 20 ms after it started.
    await new Promise((r) => setTimeout(r, 60));

    const flow = {
      'messaging.system': 'herald',
      'messaging.destination.template': TEMPLATE,
      'herald.transport': 'local',
    };
    expect(await metricsA.sum('messaging.client.sent.messages', flow)).toBe(6);
    expect(
      await metricsA.sum('messaging.client.sent.messages', {
        ...flow,
        'messaging.operation.name': 'publish',
      }),
    ).toBe(6);
    expect(await metricsB.sum('messaging.client.consumed.messages', flow)).toBe(7);
    expect(await metricsB.sum('herald.rejections', { 'herald.reject.reason': 'malformed' })).toBe(
      1,
    );
    expect(b.stats().overflowDrops).toBe(2);
    expect(await metricsB.sum('herald.queue.overflow_drops')).toBe(2);

    const durations = (await metricsB.points('messaging.process.duration')) as {
      attributes: Record<string, unknown>;
      value: { count: number; sum: number };
    }[];
    const failed = durations.find((p) => p.attributes['error.type'] === 'Error');
    const ok = durations.find((p) => p.attributes['error.type'] === undefined);
    expect(failed?.value.count).toBe(3);
    expect(ok?.value.count).toBe(4);
    expect(ok?.attributes['messaging.operation.name']).toBe('process');
    // The slow handler takes 20 ms; durations are in seconds.
    expect(ok!.value.sum).toBeGreaterThan(0.015);
    expect(ok!.value.sum).toBeLessThan(5);

    const latency = (await metricsB.points('herald.publish_to_deliver')) as {
      value: { count: number; max?: number };
    }[];
    expect(latency.reduce((n, p) => n + p.value.count, 0)).toBe(7);
    expect(latency.every((p) => (p.value.max ?? 0) < 5)).toBe(true);
  });

  it('count a failed publish with its error.type', async () => {
    const rig = metricRig();
    const hub = createLocalHub();
    const inner = hub.transport();
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: {
        ...inner,
        hasRemoteInterest: () => true,
        publish: async () => {
          throw new Error('broken pipe');
        },
      },
      nodeId: 'sent-fail',
      instrumentation: otelInstrumentation({ meterProvider: rig.provider }),
    });
    open.push(bus);
    await bus.start();
    await bus.broadcast(topic, 'posted', { n: 1, from: 'x', text: 'y' }).catch(() => undefined);
    await bus.localBroadcast(topic, 'posted', { n: 2, from: 'x', text: 'y' });
    expect(
      await rig.sum('messaging.client.sent.messages', { 'error.type': 'PUBLISH_FAILED' }),
    ).toBe(1);
    expect(await rig.sum('messaging.client.sent.messages')).toBe(2);
  });

  it('use the bucket boundaries advised for seconds', async () => {
    const rig = metricRig();
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: createLocalHub().transport(),
      nodeId: 'buckets',
      instrumentation: otelInstrumentation({ meterProvider: rig.provider }),
    });
    open.push(bus);
    await bus.start();
    await bus.subscribe(topic, () => undefined);
    await bus.broadcast(topic, 'posted', { n: 1, from: 'x', text: 'y' });
    await until(() => bus.stats().delivered === 1);
    const [point] = (await rig.points('messaging.process.duration')) as unknown as {
      value: { buckets: { boundaries: number[] } };
    }[];
    expect(point?.value.buckets.boundaries.slice(0, 3)).toEqual([0.005, 0.01, 0.025]);
    const [latency] = (await rig.points('herald.publish_to_deliver')) as unknown as {
      value: { buckets: { boundaries: number[] } };
    }[];
    expect(latency?.value.buckets.boundaries[0]).toBe(0.0001);
  });
});

describe('transport events', () => {
  it('become spans, span events, counters, gaps and the connection-state gauge', async () => {
    const traces = traceRig();
    const meters = metricRig();
    const { transport, emit } = controllable(createLocalHub());
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport,
      nodeId: 'events',
      instrumentation: otelInstrumentation({
        tracerProvider: traces.provider,
        meterProvider: meters.provider,
      }),
    });
    open.push(bus);
    await bus.start();
    const gauge = async () =>
      (await meters.points('herald.transport.connection_state')).map((p) => [
        p.attributes['herald.transport'],
        p.value,
      ]);
    expect(await gauge()).toEqual([['local', 1]]);

    const since = Date.now() - 400;
    emit({ type: 'disconnected', reason: 'socket closed', since });
    expect(await gauge()).toEqual([['local', 0]]);
    emit({ type: 'reconnecting', attempt: 1, delayMs: 50 });
    emit({ type: 'resubscribed', channels: 2, ms: 400 });
    expect(await gauge()).toEqual([['local', 1]]);

    const [connected] = traces.named('transport connected');
    const [disconnected] = traces.named('transport disconnected');
    const [reconnecting] = traces.named('transport reconnecting');
    const [resubscribed] = traces.named('transport resubscribed');
    const [gap] = traces.named('transport gap');
    expect(connected?.kind).toBe(SpanKind.INTERNAL);
    expect(connected?.parentSpanContext).toBeUndefined();
    expect(disconnected?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'socket closed' });
    expect(disconnected?.attributes).toMatchObject({
      'herald.transport': 'local',
      'herald.transport.event': 'disconnected',
      'herald.transport.reason': 'socket closed',
      'herald.transport.since': since,
    });
    expect(disconnected?.events.map((e) => e.name)).toEqual(['herald.transport.disconnected']);
    expect(reconnecting?.attributes).toMatchObject({
      'herald.transport.attempt': 1,
      'herald.transport.delay_ms': 50,
    });
    expect(resubscribed?.attributes).toMatchObject({
      'herald.transport.channels': 2,
      'herald.transport.outage_ms': 400,
    });
    // The gap span covers the window in which messages may have been lost.
    expect(gap?.status.code).toBe(SpanStatusCode.ERROR);
    expect(hrTimeToMilliseconds(gap!.startTime)).toBe(since);
    expect(hrTimeToMilliseconds(gap!.endTime)).toBe(gap?.attributes['herald.gap.to']);
    expect(gap?.attributes['herald.gap.from']).toBe(since);
    expect(gap?.attributes['herald.gap.duration_ms']).toBeGreaterThanOrEqual(400);

    expect(await meters.sum('herald.gaps', { 'herald.transport': 'local' })).toBe(1);
    for (const [type, count] of [
      ['connected', 1],
      ['disconnected', 1],
      ['reconnecting', 1],
      ['resubscribed', 1],
      ['gap', 1],
    ] as const) {
      expect(await meters.sum('herald.transport.events', { 'herald.transport.event': type })).toBe(
        count,
      );
    }
  });

  it('become a failover span with its span event, counters, a gap span and the gauge on failover', async () => {
    const meters = metricRig();
    const traces = traceRig();
    const { transport, emit } = controllable(createLocalHub());
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport,
      nodeId: 'failover-spans',
      instrumentation: otelInstrumentation({
        meterProvider: meters.provider,
        tracerProvider: traces.provider,
      }),
    });
    open.push(bus);
    const failovers: unknown[] = [];
    bus.on('failover', (f) => void failovers.push(f));
    await bus.start();
    const since = Date.now() - 300;
    emit({ type: 'disconnected', reason: 'redis: ECONNREFUSED', since });
    emit({ type: 'failover', from: 'redis', to: 'local', reason: 'redis: ECONNREFUSED' });

    expect(failovers).toEqual([{ from: 'redis', to: 'local', reason: 'redis: ECONNREFUSED' }]);
    expect(
      traces
        .spans()
        .map((s) => s.name)
        .filter((n) => n.startsWith('transport')),
    ).toEqual([
      'transport connected',
      'transport disconnected',
      'transport failover',
      'transport gap',
    ]);
    const [failover] = traces.named('transport failover');
    const attributes = {
      'messaging.system': 'herald',
      'herald.transport': 'local',
      'herald.transport.event': 'failover',
      'herald.transport.from': 'redis',
      'herald.transport.to': 'local',
      'herald.transport.reason': 'redis: ECONNREFUSED',
    };
    expect(failover?.kind).toBe(SpanKind.INTERNAL);
    expect(failover?.parentSpanContext).toBeUndefined();
    expect(failover?.status.code).toBe(SpanStatusCode.UNSET);
    expect(failover?.attributes).toEqual(attributes);
    expect(failover?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['herald.transport.failover', attributes],
    ]);
    // The gap that follows covers the outage, from the disconnect to the switch.
    const [gap] = traces.named('transport gap');
    expect(gap?.status.code).toBe(SpanStatusCode.ERROR);
    expect(gap?.attributes['herald.transport']).toBe('local');
    expect(gap?.attributes['herald.gap.from']).toBe(since);
    expect(hrTimeToMilliseconds(gap!.startTime)).toBe(since);
    expect(gap?.attributes['herald.gap.duration_ms']).toBeGreaterThanOrEqual(300);

    for (const [type, count] of [
      ['disconnected', 1],
      ['failover', 1],
      ['gap', 1],
    ] as const) {
      expect(await meters.sum('herald.transport.events', { 'herald.transport.event': type })).toBe(
        count,
      );
    }
    expect(await meters.sum('herald.gaps', { 'herald.transport': 'local' })).toBe(1);
    const points = await meters.points('herald.transport.connection_state');
    expect(
      Object.fromEntries(points.map((p) => [p.attributes['herald.transport'], p.value])),
    ).toEqual({ local: 1, redis: 0 });
  });

  it('keep only the metrics of a failover with transportSpans: false', async () => {
    const meters = metricRig();
    const traces = traceRig();
    const { transport, emit } = controllable(createLocalHub());
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport,
      nodeId: 'failover',
      instrumentation: otelInstrumentation({
        meterProvider: meters.provider,
        tracerProvider: traces.provider,
        transportSpans: false,
      }),
    });
    open.push(bus);
    await bus.start();
    emit({ type: 'failover', from: 'redis', to: 'local', reason: 'redis: ECONNREFUSED' });
    const points = await meters.points('herald.transport.connection_state');
    expect(
      Object.fromEntries(points.map((p) => [p.attributes['herald.transport'], p.value])),
    ).toEqual({ local: 1, redis: 0 });
    expect(await meters.sum('herald.gaps')).toBe(1);
    expect(
      await meters.sum('herald.transport.events', { 'herald.transport.event': 'failover' }),
    ).toBe(1);
    expect(traces.spans().filter((s) => s.name.startsWith('transport'))).toEqual([]);
  });
});
