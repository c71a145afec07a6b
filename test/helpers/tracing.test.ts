/**
 * Batch and throttled deliveries in OpenTelemetry: one `process <template>` CONSUMER span per
 * handler call, linked to the PRODUCER span of every message it stands for (exact span ids).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Bus, createBus, createLocalHub, otelInstrumentation } from '../../src/index.js';
import { keys, registry } from '../fixtures/registry.js';
import { installContextManager, traceRig } from '../telemetry/harness.js';

installContextManager();
type Defs = typeof registry.defs;
const buses: Bus<Defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

async function pair() {
  const rig = traceRig();
  const hub = createLocalHub();
  const make = (nodeId: string) =>
    createBus({
      registry,
      keys,
      nodeId,
      transport: hub.transport(),
      instrumentation: otelInstrumentation({ tracerProvider: rig.provider }),
    });
  const [a, b] = [make('a'), make('b')];
  buses.push(a, b);
  await Promise.all([a.start(), b.start()]);
  return { rig, a, b };
}

describe('tracing of coalesced deliveries', () => {
  it('links a batch’s consumer span to the producer span of each message', async () => {
    const { rig, a, b } = await pair();
    const got: number[][] = [];
    await b.subscribeBatch('room:1', (ms) => void got.push(ms.map((m) => m.payload.n)), {
      events: ['message'],
      batch: { max: 3 },
    });
    for (let n = 1; n <= 3; n++) await a.broadcast('room:1', 'message', { text: 't', n });
    const [consumer] = await rig.waitFor((s) => s.name === 'process room:{roomId}');
    const producers = rig.named('publish room:{roomId}');
    expect(got).toEqual([[1, 2, 3]]);
    expect(producers).toHaveLength(3);
    expect(consumer?.links.map((l) => l.context.spanId)).toEqual(
      producers.map((p) => p.spanContext().spanId),
    );
    expect(consumer?.attributes['messaging.batch.message_count']).toBe(3);
    expect(consumer?.parentSpanContext).toBeUndefined();
  });

  it('links a throttled (trailing) delivery to the messages it superseded', async () => {
    const { rig, a, b } = await pair();
    const got: number[] = [];
    await b.subscribe('room:1', (m) => void got.push(m.payload.n), {
      events: ['message'],
      throttle: { ms: 30 },
    });
    for (let n = 1; n <= 3; n++) await a.broadcast('room:1', 'message', { text: 't', n });
    const consumers = await rig.waitFor((s) => s.name === 'process room:{roomId}', 2);
    const producers = rig.named('publish room:{roomId}').map((p) => p.spanContext().spanId);
    expect(got).toEqual([1, 3]);
    // The leading delivery is a child of its producer; the trailing one links m2 and m3.
    expect(consumers[0]?.parentSpanContext?.spanId).toBe(producers[0]);
    expect(consumers[1]?.links.map((l) => l.context.spanId)).toEqual(producers.slice(1));
  });
});
