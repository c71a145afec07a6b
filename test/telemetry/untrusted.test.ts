/**
 * Inbound trace context is untrusted: a forged `traceparent` cannot be swapped into a signed
 * message, a malformed one (even validly signed) starts a new trace, an oversized `tracestate`
 * is dropped, and every rejection — oversize included — is reported as a `reject <reason>` span.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  type LocalHub,
  type Message,
  otelInstrumentation,
  type Transport,
} from '../../src/index.js';
import { createCodec, createKeyRing, type EnvelopeFields } from '../../src/internal.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, type TestTopics, testRegistry } from '../../src/testing/registry.js';
import { installContextManager, type TraceRig, traceparentOf, traceRig } from './harness.js';

const PROCESS = 'process herald-test:{run}:{name}';
const FORGED_TRACE = 'ab'.repeat(16);
const FORGED_SPAN = 'cd'.repeat(8);
const FORGED = `00-${FORGED_TRACE}-${FORGED_SPAN}-01`;

let hub: LocalHub;
let rigA: TraceRig;
let rigB: TraceRig;
let a: Bus<TestTopics>;
let b: Bus<TestTopics>;
let spy: Transport;
let captured: string[];
let got: Message[];
const run = newRunId();
const topic = `herald-test:${run}:room` as const;

beforeAll(installContextManager);

async function setUp(): Promise<void> {
  hub = createLocalHub();
  rigA = traceRig();
  rigB = traceRig();
  a = createBus({
    registry: testRegistry,
    keys: testKeys(),
    transport: hub.transport(),
    nodeId: 'honest-a',
    instrumentation: otelInstrumentation({ tracerProvider: rigA.provider }),
  });
  b = createBus({
    registry: testRegistry,
    keys: testKeys(),
    transport: hub.transport(),
    nodeId: 'victim-b',
    instrumentation: otelInstrumentation({ tracerProvider: rigB.provider }),
  });
  await a.start();
  await b.start();
  got = [];
  await b.subscribe(topic, (m) => void got.push(m));
  // An eavesdropper and injector on the same network: sees every envelope, can send bytes.
  captured = [];
  spy = hub.transport();
  await spy.connect({ message: (_, data) => void captured.push(String(data)), event() {} });
  await spy.subscribe(topic);
}

afterEach(async () => {
  await Promise.all([a?.stop(), b?.stop(), spy?.close()]);
});

/** A correctly signed envelope (the test key), as a peer with the key would send. */
function signed(node: string, fields: Partial<EnvelopeFields> & { seq: number }): string {
  const codec = createCodec(createKeyRing(testKeys()), node);
  return codec.encode({
    epoch: 'feedfacefeedface',
    time: Date.now(),
    topic,
    event: 'posted',
    version: 1,
    data: { n: fields.seq, from: node, text: 'signed' },
    ...fields,
  });
}

const until = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('a forged traceparent', () => {
  it('cannot be swapped into a signed message: the signature check fails', async () => {
    await setUp();
    await a.broadcast(topic, 'posted', { n: 1, from: 'a', text: 'genuine' });
    await until(() => captured.length === 1 && got.length === 1);
    // herald/2 (docs/wire-format.md §1): `head body signature`; the body is in clear.
    const genuine = captured[0]!;
    const head = genuine.slice(0, genuine.indexOf(' ['));
    const body = genuine.slice(head.length + 1, genuine.lastIndexOf(' '));
    const signature = genuine.slice(genuine.lastIndexOf(' ') + 1);
    const [fields] = JSON.parse(body) as unknown[][];
    // Members 1 and 8: seq and traceparent (§3).
    expect(fields?.[7]).toBe(got[0]?.meta.traceparent);
    // Rewrite the trace context inside the body, without the key.
    const forged = [...(fields ?? [])];
    forged[0] = 2;
    forged[7] = FORGED;
    await spy.publish(topic, `${head} ${JSON.stringify([forged])} ${signature}`);
    await until(() => b.stats().rejectedTotal === 1);

    expect(b.stats().rejected.bad_signature).toBe(1);
    expect(got).toHaveLength(1);
    const [reject] = await rigB.waitFor((s) => s.name === 'reject bad_signature');
    expect(reject?.parentSpanContext).toBeUndefined();
    expect(reject?.spanContext().traceId).not.toBe(FORGED_TRACE);
    for (const span of [...rigA.spans(), ...rigB.spans()]) {
      expect(span.spanContext().traceId).not.toBe(FORGED_TRACE);
      expect(span.parentSpanContext?.spanId).not.toBe(FORGED_SPAN);
      expect(span.links.map((l) => l.context.spanId)).not.toContain(FORGED_SPAN);
    }
    // The genuine delivery kept its genuine parent.
    const [consumer] = rigB.named(PROCESS);
    const [producer] = rigA.named('publish herald-test:{run}:{name}');
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(got[0]?.meta.traceparent).toBe(traceparentOf(producer!));
  });
});

describe('a malformed traceparent in a validly signed message', () => {
  it.each([
    ['garbage', 'not-a-traceparent'],
    ['version 01', `01-${FORGED_TRACE}-${FORGED_SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${FORGED_SPAN}-01`],
    ['an all-zero parent id', `00-${FORGED_TRACE}-${'0'.repeat(16)}-01`],
    ['uppercase hex', `00-${FORGED_TRACE.toUpperCase()}-${FORGED_SPAN}-01`],
  ])('starts a new trace (%s)', async (_, traceparent) => {
    await setUp();
    await spy.publish(topic, signed('peer-c', { seq: 1, traceparent, tracestate: 'v=1' }));
    const [consumer] = await rigB.waitFor((s) => s.name === PROCESS);
    expect(got[0]?.meta.traceparent).toBe(traceparent);
    expect(consumer?.parentSpanContext).toBeUndefined();
    expect(consumer?.links).toEqual([]);
    expect(consumer?.spanContext().traceId).not.toBe(FORGED_TRACE);
    expect(consumer?.spanContext().traceState).toBeUndefined();
  });
});

describe('an inbound tracestate', () => {
  it('is dropped at 10 KB while the valid traceparent still parents the span', async () => {
    await setUp();
    const traceparent = `00-${FORGED_TRACE}-${FORGED_SPAN}-01`;
    const huge = `big=${'x'.repeat(10 * 1024)}`;
    await spy.publish(topic, signed('peer-c', { seq: 1, traceparent, tracestate: huge }));
    const [consumer] = await rigB.waitFor((s) => s.name === PROCESS);
    expect(consumer?.parentSpanContext?.traceId).toBe(FORGED_TRACE);
    expect(consumer?.parentSpanContext?.spanId).toBe(FORGED_SPAN);
    expect(consumer?.parentSpanContext?.traceState).toBeUndefined();
    expect(consumer?.spanContext().traceState).toBeUndefined();
  });

  it('is dropped with 33 members and kept within the limits', async () => {
    await setUp();
    const traceparent = `00-${FORGED_TRACE}-${FORGED_SPAN}-01`;
    const many = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',');
    await spy.publish(topic, signed('peer-c', { seq: 1, traceparent, tracestate: many }));
    await spy.publish(topic, signed('peer-c', { seq: 2, traceparent, tracestate: 'vendor=abc' }));
    const consumers = await rigB.waitFor((s) => s.name === PROCESS, 2);
    const bySeq = (seq: number) =>
      consumers.find(
        (c) => c.attributes['messaging.message.id'] === `peer-c:feedfacefeedface:${seq}`,
      );
    expect(bySeq(1)?.spanContext().traceState).toBeUndefined();
    expect(bySeq(2)?.spanContext().traceState?.serialize()).toBe('vendor=abc');
    expect(bySeq(2)?.parentSpanContext?.spanId).toBe(FORGED_SPAN);
  });
});

describe('rejections', () => {
  it('are reported as reject spans that say why, on which channel, and what was known', async () => {
    await setUp();
    await spy.publish(topic, 'this is not a JWS');
    await spy.publish(topic, signed('peer-c', { seq: 1, data: { n: -1, from: 'c', text: 'bad' } }));
    await spy.publish(topic, signed('peer-c', { seq: 2 }));
    await spy.publish(topic, signed('peer-c', { seq: 2 }));
    await until(() => b.stats().rejectedTotal === 3);
    const [malformed] = await rigB.waitFor((s) => s.name === 'reject malformed');
    const [invalid] = rigB.named('reject invalid_payload');
    const [replay] = rigB.named('reject replay');
    expect(malformed?.kind).toBe(SpanKind.CONSUMER);
    expect(malformed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(malformed?.parentSpanContext).toBeUndefined();
    expect(malformed?.attributes).toMatchObject({
      'messaging.system': 'herald',
      'messaging.operation.type': 'receive',
      'messaging.operation.name': 'reject',
      'herald.transport': 'local',
      'herald.channel': topic,
      'herald.reject.reason': 'malformed',
      'error.type': 'malformed',
    });
    expect(malformed?.attributes['messaging.destination.name']).toBeUndefined();
    expect(invalid?.attributes).toMatchObject({
      'herald.reject.reason': 'invalid_payload',
      'herald.reject.field': '/n',
      'messaging.destination.name': topic,
      'herald.event': 'posted',
      'herald.source_node': 'peer-c',
      'herald.key_id': 'test',
    });
    expect(invalid?.status.message).toContain('does not match');
    expect(replay?.attributes['herald.reject.detail']).toContain('replay');
    expect(got).toHaveLength(1);
  });

  it('report a message larger than limits.maxBytes as a reject oversize span, before decoding it', async () => {
    await setUp();
    const rig = traceRig();
    const small = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: hub.transport(),
      nodeId: 'small',
      limits: { maxBytes: 1024 },
      instrumentation: otelInstrumentation({ tracerProvider: rig.provider }),
    });
    try {
      await small.start();
      const delivered: Message[] = [];
      await small.subscribe(topic, (m) => void delivered.push(m));
      const big = signed('peer-c', { seq: 1, data: { n: 1, from: 'c', text: 'x'.repeat(2048) } });
      const fits = signed('peer-c', { seq: 2 });
      expect(big.length).toBeGreaterThan(1024);
      expect(fits.length).toBeLessThan(1024);
      await spy.publish(topic, big);
      await spy.publish(topic, fits);
      // The same signed message is fine under b's default 2 MB limit: only the size refused it.
      await until(() => small.stats().rejectedTotal === 1 && delivered.length === 1);
      await until(() => got.length === 2);

      expect(small.stats().rejected.oversize).toBe(1);
      expect(delivered.map((m) => m.meta.seq)).toEqual([2]);
      const [oversize] = await rig.waitFor((s) => s.name === 'reject oversize');
      expect(rig.spans().filter((s) => s.name.startsWith('reject'))).toHaveLength(1);
      expect(oversize?.kind).toBe(SpanKind.CONSUMER);
      expect(oversize?.status).toEqual({
        code: SpanStatusCode.ERROR,
        message: 'larger than 1024 bytes',
      });
      expect(oversize?.parentSpanContext).toBeUndefined();
      expect(oversize?.attributes).toMatchObject({
        'messaging.system': 'herald',
        'messaging.operation.type': 'receive',
        'messaging.operation.name': 'reject',
        'herald.transport': 'local',
        'herald.channel': topic,
        'herald.reject.reason': 'oversize',
        'herald.reject.detail': 'larger than 1024 bytes',
        'error.type': 'oversize',
      });
      // Refused before the signature was checked: nothing it claims is reported as known.
      expect(oversize?.attributes['messaging.destination.name']).toBeUndefined();
      expect(oversize?.attributes['herald.source_node']).toBeUndefined();
    } finally {
      await small.stop();
    }
  });

  it('make no span with rejectionSpans: false', async () => {
    await setUp();
    const rig = traceRig();
    const quiet = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: hub.transport(),
      nodeId: 'quiet',
      instrumentation: otelInstrumentation({ tracerProvider: rig.provider, rejectionSpans: false }),
    });
    await quiet.start();
    await quiet.subscribe(topic, () => undefined);
    await spy.publish(topic, 'garbage');
    await until(() => quiet.stats().rejectedTotal === 1);
    expect(rig.spans().filter((s) => s.name.startsWith('reject'))).toEqual([]);
    await quiet.stop();
  });
});
