/**
 * Deliveries that stand for several messages — a `subscribeBatch` call, a throttled delivery
 * that superseded others — run in one consumer span linked to each message's producer span.
 */
import { SpanKind } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
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

const PUBLISH = 'publish herald-test:{run}:{name}';
const PROCESS = 'process herald-test:{run}:{name}';
const run = newRunId();
const topic = `herald-test:${run}:room` as const;
const open: Bus<TestTopics>[] = [];

beforeAll(installContextManager);
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.stop()));
});

async function pair(rigA: TraceRig, rigB: TraceRig, meterProvider = metricRig().provider) {
  const hub = createLocalHub();
  const make = (nodeId: string, rig: TraceRig, withMetrics: boolean) => {
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: hub.transport(),
      nodeId,
      instrumentation: otelInstrumentation({
        tracerProvider: rig.provider,
        ...(withMetrics ? { meterProvider } : {}),
      }),
    });
    open.push(bus);
    return bus;
  };
  const a = make('batch-a', rigA, false);
  const b = make('batch-b', rigB, true);
  await a.start();
  await b.start();
  return { a, b };
}

/** Publishes message `n` from inside a request span of its own (a separate trace each). */
async function publishInOwnTrace(rig: TraceRig, bus: Bus<TestTopics>, n: number): Promise<void> {
  await rig.provider.getTracer('test').startActiveSpan(`request ${n}`, async (span) => {
    await bus.broadcast(topic, 'posted', { n, from: 'a', text: `m${n}` });
    span.end();
  });
}

describe('a batch delivery', () => {
  it('runs in one consumer span linked to every producer span, with no parent', async () => {
    const rigA = traceRig();
    const rigB = traceRig();
    const meters = metricRig();
    const { a, b } = await pair(rigA, rigB, meters.provider);
    const calls: (readonly Message[])[] = [];
    await b.subscribeBatch(topic, (messages) => void calls.push(messages), {
      batch: { max: 3, maxWaitMs: 2000 },
    });
    for (let n = 1; n <= 3; n++) await publishInOwnTrace(rigA, a, n);
    const [span] = await rigB.waitFor((s) => s.name === PROCESS);
    expect(calls.map((c) => c.length)).toEqual([3]);
    const producers = rigA.named(PUBLISH);
    expect(new Set(producers.map((p) => p.spanContext().traceId)).size).toBe(3);
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.links.map((l) => `${l.context.traceId}-${l.context.spanId}`).sort()).toEqual(
      producers.map((p) => `${p.spanContext().traceId}-${p.spanContext().spanId}`).sort(),
    );
    expect(span?.attributes).toMatchObject({
      'messaging.batch.message_count': 3,
      'messaging.destination.name': topic,
      'messaging.operation.type': 'process',
      'herald.node': 'batch-b',
    });
    expect(await meters.sum('messaging.client.consumed.messages')).toBe(3);
    const [latency] = (await meters.points('herald.publish_to_deliver')) as unknown as {
      value: { count: number };
    }[];
    expect(latency?.value.count).toBe(3);
  });
});

describe('a throttled delivery', () => {
  it('links the trailing message to the producers of the messages it superseded', async () => {
    const rigA = traceRig();
    const rigB = traceRig();
    const { a, b } = await pair(rigA, rigB);
    const got: Message[] = [];
    await b.subscribe(topic, (m) => void got.push(m), { throttle: { ms: 100 } });
    for (let n = 1; n <= 3; n++) await publishInOwnTrace(rigA, a, n);
    const spans = await rigB.waitFor((s) => s.name === PROCESS, 2);
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual([1, 3]);
    // The publish span of message n is the child of its `request n` span.
    const producer = (n: number) => {
      const request = rigA.named(`request ${n}`)[0]!.spanContext().spanId;
      return rigA.named(PUBLISH).find((p) => p.parentSpanContext?.spanId === request)!;
    };
    const leading = spans.find((s) => s.links.length === 0)!;
    const trailing = spans.find((s) => s.links.length > 0)!;
    expect(leading.parentSpanContext?.spanId).toBe(producer(1).spanContext().spanId);
    expect(trailing.parentSpanContext).toBeUndefined();
    expect(trailing.links.map((l) => l.context.spanId).sort()).toEqual(
      [producer(2).spanContext().spanId, producer(3).spanContext().spanId].sort(),
    );
    expect(trailing.attributes['messaging.batch.message_count']).toBe(2);
  });
});
