/**
 * Spans of the OpenTelemetry instrumentation, read back from an in-memory exporter: exact
 * parent/child and link ids for a local delivery and an in-process hop between two buses, the
 * attribute names and values, handler errors, sampling at ratio 0.
 */
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import {
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  type Instrumentation,
  type LocalHub,
  type Message,
  otelInstrumentation,
  type Transport,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, type TestTopics, testRegistry } from '../../src/testing/registry.js';
import { installContextManager, type TraceRig, traceparentOf, traceRig } from './harness.js';

const TEMPLATE = 'herald-test:{run}:{name}';
const PUBLISH = `publish ${TEMPLATE}`;
const PROCESS = `process ${TEMPLATE}`;

const open: Bus<TestTopics>[] = [];
function makeBus(hub: LocalHub, nodeId: string, instrumentation: Instrumentation): Bus<TestTopics> {
  const bus = createBus({
    registry: testRegistry,
    keys: testKeys(),
    transport: hub.transport(),
    nodeId,
    instrumentation,
  });
  open.push(bus);
  return bus;
}

/** Runs `fn` inside an active `request` span of `tracer`, like an HTTP handler would. */
async function inRequest(tracer: Tracer, fn: () => Promise<unknown>): Promise<void> {
  await tracer.startActiveSpan('request', async (span) => {
    await fn();
    span.end();
  });
}

beforeAll(installContextManager);
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.stop()));
});

describe('spans of a local delivery', () => {
  let rig: TraceRig;
  let bus: Bus<TestTopics>;
  const run = newRunId();
  const topic = `herald-test:${run}:room` as const;

  beforeAll(() => {
    rig = traceRig();
  });

  it('makes the consumer span a child of the producer span, itself a child of the active span', async () => {
    rig.exporter.reset();
    bus = makeBus(createLocalHub(), 'solo', otelInstrumentation({ tracerProvider: rig.provider }));
    await bus.start();
    const got: Message[] = [];
    await bus.subscribe(topic, (m) => void got.push(m));
    await inRequest(rig.provider.getTracer('test'), () =>
      bus.broadcast(topic, 'posted', { n: 1, from: 'solo', text: 'hi' }),
    );
    const [consumer] = await rig.waitFor((s) => s.name === PROCESS);
    const [producer] = rig.named(PUBLISH);
    const [request] = rig.named('request');
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    expect(producer?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.spanContext().traceId).toBe(request?.spanContext().traceId);
    expect(got[0]?.meta.local).toBe(true);
    expect(got[0]?.meta.traceparent).toBe(traceparentOf(producer!));
    // A local delivery was never encoded: no wire size on the message or either span.
    expect(got[0]?.meta.size).toBeUndefined();
    expect(consumer?.attributes).not.toHaveProperty('messaging.message.body.size');
  });

  it('gives every subscription its own consumer span under the same producer', async () => {
    rig.exporter.reset();
    bus = makeBus(createLocalHub(), 'fan', otelInstrumentation({ tracerProvider: rig.provider }));
    await bus.start();
    await bus.subscribe(topic, () => undefined);
    await bus.subscribe(topic, () => undefined);
    await bus.broadcast(topic, 'posted', { n: 2, from: 'fan', text: 'two' });
    const consumers = await rig.waitFor((s) => s.name === PROCESS, 2);
    const [producer] = rig.named(PUBLISH);
    expect(producer?.parentSpanContext).toBeUndefined();
    expect(consumers.map((c) => c.parentSpanContext?.spanId)).toEqual([
      producer?.spanContext().spanId,
      producer?.spanContext().spanId,
    ]);
    expect(new Set(consumers.map((c) => c.spanContext().spanId)).size).toBe(2);
  });

  it('runs the handler inside its consumer span, so what it publishes continues the trace', async () => {
    rig.exporter.reset();
    bus = makeBus(createLocalHub(), 'chain', otelInstrumentation({ tracerProvider: rig.provider }));
    await bus.start();
    const next = `herald-test:${run}:next` as const;
    await bus.subscribe(topic, async (m) => {
      if (m.event === 'posted') await bus.broadcast(next, 'posted', { ...m.payload, text: 'fwd' });
    });
    await bus.subscribe(next, () => undefined);
    await bus.broadcast(topic, 'posted', { n: 3, from: 'chain', text: 'first' });
    const consumers = await rig.waitFor((s) => s.name === PROCESS, 2);
    const producers = rig.named(PUBLISH);
    const first = producers.find((p) => p.attributes['messaging.destination.name'] === topic)!;
    const second = producers.find((p) => p.attributes['messaging.destination.name'] === next)!;
    const firstConsumer = consumers.find(
      (c) => c.attributes['messaging.destination.name'] === topic,
    )!;
    const secondConsumer = consumers.find(
      (c) => c.attributes['messaging.destination.name'] === next,
    )!;
    expect(firstConsumer.parentSpanContext?.spanId).toBe(first.spanContext().spanId);
    expect(second.parentSpanContext?.spanId).toBe(firstConsumer.spanContext().spanId);
    expect(secondConsumer.parentSpanContext?.spanId).toBe(second.spanContext().spanId);
    expect(
      new Set([first, second, firstConsumer, secondConsumer].map((s) => s.spanContext().traceId))
        .size,
    ).toBe(1);
  });
});

describe('spans of an in-process hop between two buses', () => {
  const run = newRunId();
  const topic = `herald-test:${run}:room` as const;

  it('parents the remote consumer span to the producer span through the signed envelope', async () => {
    const rigA = traceRig();
    const rigB = traceRig();
    const hub = createLocalHub();
    const a = makeBus(hub, 'node-a', otelInstrumentation({ tracerProvider: rigA.provider }));
    const b = makeBus(hub, 'node-b', otelInstrumentation({ tracerProvider: rigB.provider }));
    await a.start();
    await b.start();
    const got: Message[] = [];
    await b.subscribe(topic, (m) => void got.push(m));
    await inRequest(rigA.provider.getTracer('test'), () =>
      a.broadcast(topic, 'posted', { n: 1, from: 'a', text: 'over the hub' }),
    );
    const [consumer] = await rigB.waitFor((s) => s.name === PROCESS);
    const [producer] = rigA.named(PUBLISH);
    const [request] = rigA.named('request');
    expect(rigB.named(PUBLISH)).toHaveLength(0);
    expect(producer?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.parentSpanContext?.isRemote).toBe(true);
    expect(consumer?.spanContext().traceId).toBe(request?.spanContext().traceId);
    expect(got[0]?.meta.local).toBe(false);
    expect(got[0]?.meta.traceparent).toBe(traceparentOf(producer!));
  });

  it('records the messaging attributes on both spans', async () => {
    const rigA = traceRig();
    const rigB = traceRig();
    const hub = createLocalHub();
    const a = makeBus(hub, 'attr-a', otelInstrumentation({ tracerProvider: rigA.provider }));
    const b = makeBus(hub, 'attr-b', otelInstrumentation({ tracerProvider: rigB.provider }));
    await a.start();
    await b.start();
    const got: Message[] = [];
    const sub = await b.subscribe(topic, (m) => void got.push(m));
    const receipt = await a.broadcast(topic, 'posted', { n: 7, from: 'a', text: 'attributes' });
    const [consumer] = await rigB.waitFor((s) => s.name === PROCESS);
    const [producer] = rigA.named(PUBLISH);
    expect(producer?.attributes).toEqual({
      'messaging.system': 'herald',
      'herald.transport': 'local',
      'messaging.destination.name': topic,
      'messaging.destination.template': TEMPLATE,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'herald.event': 'posted',
      'herald.schema_version': 1,
      'herald.node': 'attr-a',
      'herald.publish.kind': 'broadcast',
      'messaging.message.id': receipt.id,
      'herald.local_deliveries': 0,
      'herald.sent': true,
      'messaging.message.body.size': expect.any(Number),
    });
    expect(producer?.attributes['messaging.message.body.size']).toBeGreaterThan(100);
    expect(consumer?.attributes).toEqual({
      'messaging.system': 'herald',
      'herald.transport': 'local',
      'messaging.destination.name': topic,
      'messaging.destination.template': TEMPLATE,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': receipt.id,
      'herald.event': 'posted',
      'herald.schema_version': 1,
      'herald.node': 'attr-b',
      'herald.source_node': 'attr-a',
      'herald.local': false,
      'herald.subscription': sub.id,
      'messaging.message.body.size': producer?.attributes['messaging.message.body.size'],
    });
    // The consumer reports the bytes it received: the envelope the producer encoded.
    expect(got[0]?.meta.size).toBe(producer?.attributes['messaging.message.body.size']);
    expect(producer?.status.code).toBe(SpanStatusCode.UNSET);
    expect(consumer?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("links the consumer span to the producer span from a new trace with consumerParent: 'link'", async () => {
    const rigA = traceRig();
    const rigB = traceRig();
    const hub = createLocalHub();
    const a = makeBus(hub, 'link-a', otelInstrumentation({ tracerProvider: rigA.provider }));
    const b = makeBus(
      hub,
      'link-b',
      otelInstrumentation({ tracerProvider: rigB.provider, consumerParent: 'link' }),
    );
    await a.start();
    await b.start();
    await b.subscribe(topic, () => undefined);
    await a.broadcast(topic, 'posted', { n: 1, from: 'a', text: 'linked' });
    const [consumer] = await rigB.waitFor((s) => s.name === PROCESS);
    const [producer] = rigA.named(PUBLISH);
    expect(consumer?.parentSpanContext).toBeUndefined();
    expect(consumer?.spanContext().traceId).not.toBe(producer?.spanContext().traceId);
    expect(consumer?.links).toHaveLength(1);
    expect(consumer?.links[0]?.context.traceId).toBe(producer?.spanContext().traceId);
    expect(consumer?.links[0]?.context.spanId).toBe(producer?.spanContext().spanId);
  });

  it('records a handler error on the consumer span with ERROR status and still counts it', async () => {
    const rig = traceRig();
    const hub = createLocalHub();
    const a = makeBus(hub, 'err-a', otelInstrumentation({ tracerProvider: rig.provider }));
    const b = makeBus(hub, 'err-b', otelInstrumentation({ tracerProvider: rig.provider }));
    await a.start();
    await b.start();
    const errors: unknown[] = [];
    b.on('handler_error', (e) => void errors.push(e.error));
    await b.subscribe(topic, () => {
      throw new TypeError('sync boom');
    });
    await b.subscribe(topic, async () => {
      await new Promise((r) => setTimeout(r, 1));
      throw new RangeError('async boom');
    });
    await a.broadcast(topic, 'posted', { n: 1, from: 'a', text: 'fail' });
    const consumers = await rig.waitFor((s) => s.name === PROCESS, 2);
    for (const [span, type, message] of [
      [consumers.find((c) => c.attributes['error.type'] === 'TypeError'), 'TypeError', 'sync boom'],
      [
        consumers.find((c) => c.attributes['error.type'] === 'RangeError'),
        'RangeError',
        'async boom',
      ],
    ] as const) {
      expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message });
      expect(span?.events.map((e) => e.name)).toEqual(['exception']);
      expect(span?.events[0]?.attributes?.['exception.type']).toBe(type);
      expect(span?.events[0]?.attributes?.['exception.message']).toBe(message);
    }
    await expect.poll(() => b.stats().handlerErrors).toBe(2);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async boom', 'sync boom']);
  });

  it('records a failed publish on the producer span with ERROR status and error.type', async () => {
    const rig = traceRig();
    const hub = createLocalHub();
    const inner = hub.transport();
    const failing: Transport = {
      ...inner,
      name: 'flaky',
      connect: (sink) => inner.connect(sink),
      status: () => inner.status(),
      hasRemoteInterest: () => true,
      publish: async () => {
        throw new Error('connection reset');
      },
    };
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: failing,
      nodeId: 'pubfail',
      instrumentation: otelInstrumentation({ tracerProvider: rig.provider }),
    });
    open.push(bus);
    await bus.start();
    await expect(
      bus.broadcast(topic, 'posted', { n: 1, from: 'x', text: 'lost' }),
    ).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
    });
    const [span] = rig.named(PUBLISH);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.status.message).toContain('connection reset');
    expect(span?.attributes['error.type']).toBe('PUBLISH_FAILED');
    expect(span?.attributes['herald.transport']).toBe('flaky');
    expect(span?.attributes['herald.sent']).toBe(false);
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });
});

describe('sampling', () => {
  const run = newRunId();
  const topic = `herald-test:${run}:room` as const;

  it('still propagates trace context at sampling ratio 0', async () => {
    const rigA = traceRig(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }));
    const rigB = traceRig(new AlwaysOnSampler());
    const hub = createLocalHub();
    const a = makeBus(hub, 'zero-a', otelInstrumentation({ tracerProvider: rigA.provider }));
    const b = makeBus(hub, 'zero-b', otelInstrumentation({ tracerProvider: rigB.provider }));
    await a.start();
    await b.start();
    const got: Message[] = [];
    await b.subscribe(topic, (m) => void got.push(m));
    await a.broadcast(topic, 'posted', { n: 1, from: 'a', text: 'unsampled' });
    const [consumer] = await rigB.waitFor((s) => s.name === PROCESS);
    expect(rigA.spans()).toHaveLength(0);
    const traceparent = got[0]?.meta.traceparent;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const [, traceId, spanId] = traceparent!.split('-');
    expect(consumer?.spanContext().traceId).toBe(traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(spanId);
    expect(consumer?.parentSpanContext?.traceFlags).toBe(0);
  });
});
