/**
 * Receipts of publishes that send nothing (in-process): `broadcast` returns a settled receipt that
 * makes its promise only when someone awaits it, and behaves as a `Promise<PublishReceipt>` for
 * every caller that does. Refusals stay eager rejected promises.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  localTransport,
  type Message,
  type PublishReceipt,
} from '../../src/index.js';
import { keys, registry, settle } from '../fixtures/registry.js';

type Defs = typeof registry.defs;
const buses: Bus<Defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

async function lone() {
  const bus = createBus({
    registry,
    keys,
    nodeId: 'solo',
    transport: localTransport({ hub: createLocalHub() }),
  });
  buses.push(bus);
  await bus.start();
  const got: Message[] = [];
  await bus.subscribe('room:1', (m) => void got.push(m as Message));
  return { bus, got };
}

describe('receipts of in-process publishes', () => {
  it('resolves an awaited local publish to its receipt', async () => {
    const { bus } = await lone();
    const receipt = await bus.broadcast('room:1', 'message', { text: 'hi', n: 1 });
    expect(receipt).toEqual({
      transport: 'local',
      degraded: false,
      id: expect.stringMatching(/^solo:[0-9a-f]+:1$/),
      seq: 1,
      topic: 'room:1',
      event: 'message',
      localDeliveries: 1,
      sent: false,
    });
  });

  it('delivers a publish nobody awaits, and keeps its receipt for a late await', async () => {
    const { bus, got } = await lone();
    const pending = bus.broadcast('room:1', 'message', { text: 'a', n: 1 });
    bus.localBroadcast('room:1', 'message', { text: 'b', n: 2 });
    await settle();
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual([1, 2]);
    // Awaited late, twice: the same receipt.
    const [first, second] = [await pending, await pending];
    expect(first.seq).toBe(1);
    expect(second).toBe(first);
  });

  it('works with then, catch, finally and Promise.all like any promise', async () => {
    const { bus } = await lone();
    const seq = await bus.broadcast('room:1', 'message', { text: 'a', n: 1 }).then((r) => r.seq);
    expect(seq).toBe(1);
    const caught = await bus.broadcast('room:1', 'message', { text: 'b', n: 2 }).catch(() => null);
    expect(caught?.seq).toBe(2);
    let finished = false;
    await bus.broadcast('room:1', 'message', { text: 'c', n: 3 }).finally(() => {
      finished = true;
    });
    expect(finished).toBe(true);
    const all = await Promise.all([
      bus.broadcast('room:1', 'message', { text: 'd', n: 4 }),
      bus.broadcast('room:1', 'message', { text: 'e', n: 5 }),
    ]);
    expect(all.map((r) => r.seq)).toEqual([4, 5]);
    expect(
      Object.prototype.toString.call(bus.broadcast('room:1', 'message', { text: 'f', n: 6 })),
    ).toBe('[object Promise]');
  });

  it('refuses an invalid payload with a real rejected promise at once', async () => {
    const { bus, got } = await lone();
    const refused = bus.broadcast('room:1', 'message', { text: '', n: 1 });
    expect(refused).toBeInstanceOf(Promise);
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect(got).toEqual([]);
  });

  it('keeps the typed API: broadcast returns a Promise of a PublishReceipt', async () => {
    const { bus } = await lone();
    expectTypeOf(bus.broadcast('room:1', 'message', { text: 'a', n: 1 })).toEqualTypeOf<
      Promise<PublishReceipt>
    >();
    expectTypeOf(
      await bus.localBroadcast('room:1', 'message', { text: 'a', n: 2 }),
    ).toEqualTypeOf<PublishReceipt>();
  });
});
