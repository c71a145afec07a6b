/**
 * OpenTelemetry: each delivery to a page is a `deliver <template>` span in the message's trace,
 * a child of the gateway bus's `process` span (itself a child of the publisher's span), one per
 * page; the page receives that trace id.
 */
import { SpanKind } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { otelInstrumentation } from '../../src/index.js';
import { installContextManager, traceRig } from '../telemetry/harness.js';
import { openSse } from './sse-reader.js';
import { world } from './world.js';

beforeAll(installContextManager);

describe('gateway tracing', () => {
  it('records one deliver span per page, in the publisher trace, under the gateway process span', async () => {
    const rig = traceRig();
    const w = await world(
      { authorize: () => true, tracerProvider: rig.provider },
      otelInstrumentation({ tracerProvider: rig.provider }),
    );
    try {
      const pages = [
        await openSse(`${w.base}/events?topic=room:5`),
        await openSse(`${w.base}/events?topic=room:5`),
      ];
      for (const page of pages) await page.waitFor((e) => e.event === 'ready');
      await w.peer.broadcast('room:5', 'said', { user: 'tr', text: 'traced' });
      const delivered = await rig.waitFor((s) => s.name === 'deliver room:{roomId}', 2);
      const [publish] = rig.named('publish room:{roomId}');
      const processes = rig.named('process room:{roomId}');
      const process = processes.find(
        (s) => s.spanContext().spanId === delivered[0]!.parentSpanContext?.spanId,
      );
      expect(process).toBeDefined();
      expect(process!.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
      for (const span of delivered) {
        expect(span.kind).toBe(SpanKind.PRODUCER);
        expect(span.spanContext().traceId).toBe(publish!.spanContext().traceId);
        expect(span.parentSpanContext?.spanId).toBe(process!.spanContext().spanId);
        expect(span.attributes).toMatchObject({
          'messaging.destination.name': 'room:5',
          'messaging.operation.name': 'deliver',
        });
      }
      const connections = delivered.map((s) => s.attributes['herald.gateway.connection']);
      expect(new Set(connections).size).toBe(2);
      for (const page of pages) {
        const [message] = await page.waitFor((e) => e.event === 'message');
        expect(JSON.parse(message!.data).traceId).toBe(publish!.spanContext().traceId);
        page.close();
      }
    } finally {
      await w.close();
    }
  });
});
