/**
 * Real OTLP/HTTP export from three processes: `checkout` publishes over Redis, `billing` and
 * `shipping` consume (examples/tracing). Each exports with `herald/otel` to a receiver this test
 * runs on 127.0.0.1; the test asserts that one trace holds the publish span and both consumer
 * spans, from separate processes, with the right parent ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startReceiver } from '../../examples/tracing/receiver.js';
import { runExample } from '../../examples/tracing/run.js';
import { startOtel } from '../../src/otel/index.js';
import { requireRedis } from '../support/services.js';

const redis = await requireRedis();

describe.skipIf(!redis.ok)('OTLP export from two consumer processes and a publisher', () => {
  let receiver: OtlpReceiver;
  const lines: string[] = [];
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('puts the publish span and both consumer spans in one trace with the right parents', async () => {
    const traceId = await runExample({
      endpoint: receiver.url,
      redisUrl: redis.url,
      output: (line) => void lines.push(line),
    });
    const spans = await receiver.waitFor(
      (all) => all.filter((s) => s.traceId === traceId).length >= 4,
    );
    const trace = spans.filter((s) => s.traceId === traceId);
    const request = trace.find((s) => s.name === 'POST /checkout');
    const publish = trace.filter((s) => s.name === 'publish order:{orderId}');
    const process = trace.filter((s) => s.name === 'process order:{orderId}');
    expect(publish).toHaveLength(1);
    expect(process).toHaveLength(2);
    expect(publish[0]).toMatchObject({
      service: 'checkout',
      kind: 'PRODUCER',
      parentSpanId: request?.spanId,
      attributes: expect.objectContaining({
        'messaging.system': 'herald',
        'herald.transport': 'redis',
        'messaging.destination.name': 'order:1001',
        'messaging.destination.template': 'order:{orderId}',
        'messaging.operation.type': 'send',
      }),
    });
    expect(process.map((s) => s.service).sort()).toEqual(['billing', 'shipping']);
    for (const consumer of process) {
      expect(consumer.kind).toBe('CONSUMER');
      expect(consumer.parentSpanId).toBe(publish[0]?.spanId);
      expect(consumer.attributes['messaging.operation.type']).toBe('process');
      expect(consumer.attributes['herald.source_node']).toMatch(/^checkout-\d+$/);
    }
    // Each consumer printed the traceparent it received: the producer span's, from the envelope.
    const printed = lines.filter((l) => l.includes('traceparent='));
    expect(printed).toHaveLength(2);
    for (const line of printed) {
      expect(line).toContain(`traceparent=00-${traceId}-${publish[0]?.spanId}-01`);
    }
    // The exporters sent OTLP/JSON, traces and metrics.
    expect(receiver.requests.some((r) => r.path === '/v1/traces')).toBe(true);
    expect(receiver.requests.every((r) => r.contentType.startsWith('application/json'))).toBe(true);
    expect(receiver.metrics.get('billing')).toContain('messaging.client.consumed.messages');
    expect(receiver.metrics.get('checkout')).toContain('messaging.client.sent.messages');
  }, 60_000);
});

describe('startOtel', () => {
  it('refuses a missing service name and a sampling ratio outside 0..1 before starting anything', () => {
    expect(() => startOtel({ serviceName: '' })).toThrow(/serviceName/);
    for (const samplingRatio of [-0.1, 1.5, Number.NaN]) {
      expect(() => startOtel({ serviceName: 'x', samplingRatio })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
  });
});
