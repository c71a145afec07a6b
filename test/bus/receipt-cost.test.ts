/**
 * What a publish nobody awaits costs (issue 16, item 3): an in-process publish that sends nothing
 * makes no promise and no receipt unless someone awaits it; whoever awaits it gets the receipt a
 * sent publish would describe, field for field.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SettledReceipt } from '../../src/bus/receipt.js';
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
  vi.restoreAllMocks();
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
  const sub = await bus.subscribe('room:1', (m) => void got.push(m as Message));
  return { bus, got, sub };
}

/** The fields of a PublishReceipt, in the order receiptOf writes them. */
const FIELDS = ['transport', 'degraded', 'id', 'seq', 'topic', 'event', 'localDeliveries', 'sent'];

describe('an in-process publish nobody awaits', () => {
  it('makes no promise and no receipt, and is delivered all the same', async () => {
    const { bus, got } = await lone();
    const resolve = vi.spyOn(Promise, 'resolve');
    const settled = vi.spyOn(SettledReceipt.prototype, 'then');
    const returned = [
      bus.broadcast('room:1', 'message', { text: 'a', n: 1 }),
      bus.localBroadcast('room:1', 'message', { text: 'b', n: 2 }),
      bus.directBroadcast('solo', 'room:1', 'message', { text: 'c', n: 3 }),
    ];
    expect(resolve).not.toHaveBeenCalled();
    for (const r of returned) {
      expect(r).toBeInstanceOf(SettledReceipt);
      expect(r).not.toBeInstanceOf(Promise);
    }
    await settle();
    expect(resolve).not.toHaveBeenCalled();
    expect(settled).not.toHaveBeenCalled();
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual([1, 2, 3]);
  });

  it('resolves, when awaited, to the receipt fields of the message it delivered', async () => {
    const { bus, got } = await lone();
    const receipts = [
      await bus.broadcast('room:1', 'message', { text: 'a', n: 1 }),
      await bus.localBroadcast('room:1', 'message', { text: 'b', n: 2 }),
      await bus.directBroadcast('solo', 'room:1', 'message', { text: 'c', n: 3 }),
    ];
    await settle();
    expect(got).toHaveLength(3);
    receipts.forEach((receipt, i) => {
      const meta = (got[i] as Message).meta;
      expect(Object.keys(receipt)).toEqual(FIELDS);
      expect(receipt).toEqual({
        transport: 'local',
        degraded: false,
        id: meta.id,
        seq: meta.seq,
        topic: 'room:1',
        event: 'message',
        localDeliveries: 1,
        sent: false,
      });
    });
    // Published to nobody: a receipt all the same, with no local delivery.
    const none = await bus.broadcast('room:2', 'message', { text: 'd', n: 4 });
    expect(none).toMatchObject({ topic: 'room:2', localDeliveries: 0, sent: false, seq: 4 });
    expect(none.id).toBe(`${meta0(got).id.replace(/:1$/, '')}:4`);
  });
});

/** The first message's meta. */
function meta0(got: Message[]) {
  return (got[0] as Message).meta;
}
