/**
 * The consumer span's parent is the producer span across a Redis hop and a PostgreSQL hop: the
 * trace context travels inside the signed envelope over the real servers (REDIS_URL /
 * DATABASE_URL, else the machine's loopback services; with CI=true an unreachable server fails),
 * and the consumer spans report the envelope's size on the wire.
 */
import { SpanKind } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import {
  type Bus,
  createBus,
  type Message,
  otelInstrumentation,
  type Transport,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, type TestTopics, testRegistry } from '../../src/testing/registry.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { installContextManager, traceparentOf, traceRig } from './harness.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
const run = newRunId();
const topic = `herald-test:${run}:room` as const;
const PUBLISH = 'publish herald-test:{run}:{name}';
const PROCESS = 'process herald-test:{run}:{name}';

const open: Bus<TestTopics>[] = [];
beforeAll(installContextManager);
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.stop()));
});

/** Publishes from bus A inside a request span; checks B's and C's consumer spans' parents. */
async function assertHop(name: string, transport: () => Transport): Promise<void> {
  const rigs = [traceRig(), traceRig(), traceRig()] as const;
  const [a, b, c] = rigs.map((rig, i) => {
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: transport(),
      nodeId: `${name}-${i}-${run}`,
      instrumentation: otelInstrumentation({ tracerProvider: rig.provider }),
    });
    open.push(bus);
    return bus;
  }) as [Bus<TestTopics>, Bus<TestTopics>, Bus<TestTopics>];
  await Promise.all([a.start(), b.start(), c.start()]);
  const got: Message[] = [];
  await b.subscribe(topic, (m) => void got.push(m));
  await c.subscribe(topic, (m) => void got.push(m));
  const tracer = rigs[0].provider.getTracer('test');
  const receipt = await tracer.startActiveSpan('request', async (span) => {
    const r = await a.broadcast(topic, 'posted', { n: 1, from: name, text: `over ${name}` });
    span.end();
    return r;
  });
  expect(receipt.transport).toBe(name);
  const [consumerB] = await rigs[1].waitFor((s) => s.name === PROCESS);
  const [consumerC] = await rigs[2].waitFor((s) => s.name === PROCESS);
  const [producer] = rigs[0].named(PUBLISH);
  const [request] = rigs[0].named('request');
  expect(producer?.kind).toBe(SpanKind.PRODUCER);
  expect(producer?.attributes['herald.transport']).toBe(name);
  expect(producer?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
  for (const consumer of [consumerB, consumerC]) {
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    expect(consumer?.attributes['herald.transport']).toBe(name);
    expect(consumer?.attributes['herald.source_node']).toBe(a.nodeId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.parentSpanContext?.isRemote).toBe(true);
    expect(consumer?.spanContext().traceId).toBe(request?.spanContext().traceId);
    // The bytes received are the envelope the producer encoded.
    expect(consumer?.attributes['messaging.message.body.size']).toBe(
      producer?.attributes['messaging.message.body.size'],
    );
  }
  expect(producer?.attributes['messaging.message.body.size']).toBeGreaterThan(100);
  expect(got.map((m) => m.meta.traceparent)).toEqual([
    traceparentOf(producer!),
    traceparentOf(producer!),
  ]);
}

describe.skipIf(!redis.ok)('a Redis hop', () => {
  it('parents both consumer spans to the producer span', async () => {
    const prefix = `herald-otel-${run}:`;
    await assertHop('redis', () => redisTransport({ url: redis.url, prefix }));
  });
});

describe.skipIf(!postgres.ok)('a PostgreSQL hop', () => {
  it('parents both consumer spans to the producer span', async () => {
    const prefix = `ho${run}`;
    await assertHop('postgres', () =>
      postgresTransport({ connectionString: postgres.url, prefix }),
    );
  });
});
