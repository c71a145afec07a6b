/**
 * The default instrumentation: a bus created without `instrumentation` uses OpenTelemetry
 * through the global API — nothing while no SDK is registered, and the SDK's providers as soon
 * as one is, even when the bus was created first. `instrumentation: false` turns it off.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  type Message,
  otelInstrumentation,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, type TestTopics, testRegistry } from '../../src/testing/registry.js';
import { installContextManager, metricRig, type TraceRig, traceRig } from './harness.js';

const run = newRunId();
const topic = `herald-test:${run}:room` as const;
const hub = createLocalHub();
const early = createBus({
  registry: testRegistry,
  keys: testKeys(),
  transport: hub.transport(),
  nodeId: 'early',
});
const off = createBus({
  registry: testRegistry,
  keys: testKeys(),
  transport: hub.transport(),
  nodeId: 'off',
  instrumentation: false,
});
const buses: Bus<TestTopics>[] = [early, off];
let globalTraces: TraceRig | undefined;

afterAll(async () => {
  await Promise.all(buses.map((b) => b.stop()));
  trace.disable();
  metrics.disable();
  context.disable();
});

async function roundTrip(bus: Bus<TestTopics>): Promise<Message> {
  const got: Message[] = [];
  const sub = await bus.subscribe(topic, (m) => void got.push(m));
  await bus.broadcast(topic, 'posted', { n: 1, from: bus.nodeId, text: 'x' });
  while (got.length === 0) await new Promise((r) => setTimeout(r, 1));
  await sub.unsubscribe();
  return got[0]!;
}

describe('with no OpenTelemetry SDK registered', () => {
  it('delivers without trace context and makes no spans', async () => {
    await early.start();
    const message = await roundTrip(early);
    expect(message.meta.traceparent).toBeUndefined();
    expect(message.meta.tracestate).toBeUndefined();
  });

  it('returns a publish scope without trace context and runs handlers directly', () => {
    const instrumentation = otelInstrumentation();
    // Idle: the bus calls handlers without going through process() at all.
    expect(instrumentation.idle?.()).toBe(true);
    const scope = instrumentation.publish({
      topic,
      template: 'herald-test:{run}:{name}',
      event: 'posted',
      version: 1,
      kind: 'broadcast',
      transport: 'local',
      node: 'n',
    });
    expect(scope.traceparent).toBeUndefined();
    let ran = false;
    const result = instrumentation.process(
      {
        topic,
        event: 'posted',
        payload: {},
        params: {},
        meta: {
          id: 'a:b:1',
          node: 'a',
          seq: 1,
          time: Date.now(),
          version: 1,
          params: {},
          local: true,
        },
      },
      { template: 'herald-test:{run}:{name}', subscription: 1, transport: 'local', node: 'n' },
      () => {
        ran = true;
      },
    );
    expect(ran).toBe(true);
    expect(result).toBeUndefined();
  });
});

describe('once an SDK is registered globally', () => {
  it('is picked up by a bus created before it, for spans and metrics', async () => {
    installContextManager();
    const traces = traceRig();
    const meters = metricRig();
    globalTraces = traces;
    trace.setGlobalTracerProvider(traces.provider);
    metrics.setGlobalMeterProvider(meters.provider);
    expect(otelInstrumentation().idle?.()).toBe(false);
    const message = await roundTrip(early);
    const [producer] = await traces.waitFor((s) => s.name === 'publish herald-test:{run}:{name}');
    await traces.waitFor((s) => s.name === 'process herald-test:{run}:{name}');
    expect(message.meta.traceparent).toBe(
      `00-${producer?.spanContext().traceId}-${producer?.spanContext().spanId}-01`,
    );
    expect(await meters.sum('messaging.client.sent.messages')).toBe(1);
    expect(await meters.sum('messaging.client.consumed.messages')).toBe(1);
  });

  it('stays silent with instrumentation: false', async () => {
    const traces = globalTraces!;
    await off.start();
    const before = traces.spans().length;
    const message = await roundTrip(off);
    expect(message.meta.traceparent).toBeUndefined();
    expect(traces.spans().length).toBe(before);
    // The same round trip on the instrumented bus does record spans.
    await roundTrip(early);
    await traces.waitFor((s) => s.name.startsWith('process'), 2);
  });
});
