/**
 * Publish plans (src/bus/plan.ts): a topic's immutable facts are looked up once per bus, and a
 * planned topic refuses exactly what an unplanned one refuses, with the same errors, whichever
 * event or route came before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PLANNED_EVENTS, PLANNED_TOPICS } from '../../src/bus/plan.js';
import {
  type Bus,
  createBus,
  createLocalHub,
  localTransport,
  type Message,
} from '../../src/index.js';
import { keys, registry, settle } from '../fixtures/registry.js';

type Defs = typeof registry.defs;
const buses: Bus<Defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

async function started(): Promise<Bus<Defs>> {
  const bus = createBus({ registry, keys, transport: localTransport({ hub: createLocalHub() }) });
  buses.push(bus);
  await bus.start();
  return bus;
}

/** The error code a publish rejects with. */
async function codeOf(receipt: Promise<unknown>): Promise<string> {
  const error = (await receipt.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string } | undefined;
  return error?.code ?? 'resolved';
}

// Untyped calls: the refusals below are of calls the types would not allow.
type Loose = {
  broadcast(topic: unknown, event: unknown, payload: unknown): Promise<unknown>;
  broadcastRaw(topic: unknown, event: unknown, payload: unknown): Promise<unknown>;
};

describe('publish plans', () => {
  it('deliver each event of a topic, in order, checked against its own schema', async () => {
    const bus = await started();
    const got: Message[] = [];
    await bus.subscribe('room:1', (m) => void got.push(m as Message));
    const loose = bus as unknown as Loose;
    for (let i = 0; i < 4; i++) {
      void bus.broadcast('room:1', 'message', { text: 't', n: i });
      void bus.broadcast('room:1', 'typing', { userId: `u${i}` });
    }
    // A planned event's schema is still checked, and the other event's is not used for it.
    expect(await codeOf(loose.broadcast('room:1', 'typing', { text: 't', n: 1 }))).toBe(
      'INVALID_PAYLOAD',
    );
    expect(await codeOf(loose.broadcast('room:1', 'message', { userId: 'u' }))).toBe(
      'INVALID_PAYLOAD',
    );
    await settle();
    expect(got.map((m) => `${m.event}@${m.meta.version}`)).toEqual(
      Array.from({ length: 4 }, () => ['message@1', 'typing@2']).flat(),
    );
  });

  it('refuse what an unplanned publish refuses, after the topic was planned', async () => {
    const bus = await started();
    const loose = bus as unknown as Loose;
    await bus.broadcast('room:1', 'message', { text: 't', n: 1 });
    await bus.broadcastRaw('legacy:a', 'updated', { any: 1 });
    const refused = [
      await codeOf(loose.broadcast('room:1', 'nope', {})),
      await codeOf(loose.broadcastRaw('room:1', 'message', {})),
      await codeOf(loose.broadcast('legacy:a', 'updated', {})),
      await codeOf(loose.broadcastRaw('legacy:a', 'not an identifier', {})),
      await codeOf(loose.broadcastRaw('legacy:a', undefined, {})),
      await codeOf(loose.broadcast('nowhere:1', 'message', {})),
      await codeOf(loose.broadcast(undefined, 'message', {})),
    ];
    expect(refused).toEqual([
      'UNKNOWN_EVENT',
      'RAW_MISMATCH',
      'RAW_MISMATCH',
      'UNKNOWN_EVENT',
      'UNKNOWN_EVENT',
      'UNKNOWN_TOPIC',
      'UNKNOWN_TOPIC',
    ]);
    // The planned events still go through.
    expect(await codeOf(bus.broadcast('room:1', 'message', { text: 't', n: 2 }))).toBe('resolved');
    expect(await codeOf(bus.broadcastRaw('legacy:a', 'updated', 1))).toBe('resolved');
  });

  it('are bounded: topics and raw event names beyond the bounds are still published', async () => {
    const bus = await started();
    const got: string[] = [];
    await bus.subscribe('legacy:last', (m) => void got.push((m as Message).event));
    for (let t = 0; t < PLANNED_TOPICS + 8; t++) void bus.broadcastRaw(`legacy:t${t}`, 'e', t);
    for (let e = 0; e < PLANNED_EVENTS + 8; e++) void bus.broadcastRaw('legacy:last', `e${e}`, e);
    void bus.broadcastRaw('legacy:last', 'e0', 0);
    await settle();
    expect(got).toEqual([...Array.from({ length: PLANNED_EVENTS + 8 }, (_, e) => `e${e}`), 'e0']);
  });

  it('follow the subscriptions of a planned topic as they come and go', async () => {
    const bus = await started();
    const got: string[] = [];
    const post = (n: number) => bus.broadcast('room:1', 'message', { text: 't', n });
    const a = await bus.subscribe(
      'room:1',
      (m) => void got.push(`a${((m as Message).payload as { n: number }).n}`),
    );
    expect((await post(1)).localDeliveries).toBe(1);
    await a.unsubscribe();
    expect((await post(2)).localDeliveries).toBe(0);
    const b = await bus.subscribe(
      'room:1',
      (m) => void got.push(`b${((m as Message).payload as { n: number }).n}`),
    );
    const c = await bus.subscribe(
      'room:1',
      (m) => void got.push(`c${((m as Message).payload as { n: number }).n}`),
    );
    expect((await post(3)).localDeliveries).toBe(2);
    await b.unsubscribe();
    expect((await post(4)).localDeliveries).toBe(1);
    await c.unsubscribe();
    await bus.subscribe(
      'room:1',
      (m) => void got.push(`d${((m as Message).payload as { n: number }).n}`),
    );
    expect((await post(5)).localDeliveries).toBe(1);
    await settle();
    expect(got).toEqual(['a1', 'b3', 'c3', 'c4', 'd5']);
  });
});
