/**
 * The topic lane (src/bus/table.ts): a tick's messages of one topic run once for all its idle
 * subscriptions. These tests pin down that a subscription sees exactly what its own queue would
 * have given it: order, one handler at a time, the bound and overflow policy, the slow signal,
 * `pending`, exclusions and event filters, and subscriptions coming and going mid-tick.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Bus, type BusEvents, createBus, createLocalHub } from '../../src/index.js';
import { keys, registry, settle } from '../fixtures/registry.js';

type Defs = typeof registry.defs;
/** The `n` of a room:1 `message` payload (every test here publishes only those, but typing). */
const n = (m: { payload: unknown }): number => (m.payload as { n: number }).n;
const buses: Bus<Defs>[] = [];
async function bus(): Promise<Bus<Defs>> {
  const b = createBus({ registry, keys, nodeId: 'lane', transport: createLocalHub().transport() });
  buses.push(b);
  await b.start();
  return b;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

/** Publishes `count` messages n = from.. in one tick (no await in between). */
function burst(b: Bus<Defs>, count: number, from = 0) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      b.broadcast('room:1', 'message', { text: 'x', n: from + i }),
    ),
  );
}

describe('the topic lane', () => {
  it('holds a subscription’s later messages while its handler’s promise is pending, in order, and runs the others on', async () => {
    const b = await bus();
    const slow: number[] = [];
    const fast: number[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowSub = await b.subscribe('room:1', (m) => {
      slow.push(n(m));
      if (n(m) === 2) return held;
      return undefined;
    });
    await b.subscribe('room:1', (m) => void fast.push(n(m)));
    const receipts = await burst(b, 6);
    expect(receipts.map((r) => r.localDeliveries)).toEqual([2, 2, 2, 2, 2, 2]);
    await settle();
    expect(fast).toEqual([0, 1, 2, 3, 4, 5]);
    expect(slow).toEqual([0, 1, 2]);
    expect(slowSub.pending).toBe(3);
    // More messages while it is busy queue behind the held ones.
    await burst(b, 2, 6);
    await settle();
    expect(slow).toEqual([0, 1, 2]);
    expect(slowSub.pending).toBe(5);
    release();
    await settle();
    expect(slow).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(fast).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(slowSub.pending).toBe(0);
    expect(slowSub.counts).toMatchObject({ received: 8, calls: 8, handled: 8, dropped: 0 });
  });

  it('counts lane messages in `pending` until they run', async () => {
    const b = await bus();
    const seen: number[] = [];
    const sub = await b.subscribe('room:1', (m) => void seen.push(n(m)));
    const sent = burst(b, 3);
    expect(sub.pending).toBe(3);
    await sent;
    await settle();
    expect(sub.pending).toBe(0);
    expect(seen).toEqual([0, 1, 2]);
  });

  it.each([
    ['drop-oldest', [12, 13, 14, 15, 16, 17, 18, 19], 12],
    ['drop-newest', [0, 1, 2, 3, 4, 5, 6, 7], 12],
  ] as const)(
    'bounds a burst exactly as the queue does (%s)',
    async (overflow, delivered, dropped) => {
      const b = await bus();
      const seen: number[] = [];
      const slowEvents: BusEvents['slow_consumer'][] = [];
      const overflows: number[] = [];
      b.on('slow_consumer', (e) => void slowEvents.push(e));
      b.on('overflow', (e) => void overflows.push(e.dropped));
      const sub = await b.subscribe('room:1', (m) => void seen.push(n(m)), {
        queue: { limit: 8, overflow },
      });
      const receipts = await burst(b, 20);
      // drop-newest refuses what does not fit: those publishes reached no local subscription.
      expect(receipts.map((r) => r.localDeliveries)).toEqual(
        Array.from({ length: 20 }, (_, i) => (overflow === 'drop-newest' && i >= 8 ? 0 : 1)),
      );
      await settle();
      expect(seen).toEqual(delivered);
      expect(sub.dropped).toBe(dropped);
      expect(overflows).toEqual(Array(dropped).fill(1));
      // slowAt defaults to 80% of 8 → 7, recovery at 3: once each, at exactly those backlogs.
      expect(slowEvents.map((e) => [e.slow, e.pending])).toEqual([
        [true, 7],
        [false, 3],
      ]);
      expect(sub.counts).toMatchObject({ received: 20, dropped, calls: 8 });
    },
  );

  it('cancels an `error`-policy subscription when a burst overflows its limit', async () => {
    const b = await bus();
    const seen: number[] = [];
    const errors: string[] = [];
    b.on('subscription_error', (e) => void errors.push((e.error as { code: string }).code));
    const sub = await b.subscribe('room:1', (m) => void seen.push(n(m)), {
      queue: { limit: 4, overflow: 'error' },
    });
    await burst(b, 6);
    await settle();
    expect(errors).toEqual(['QUEUE_OVERFLOW']);
    expect(sub.active).toBe(false);
    expect(seen).toEqual([]);
  });

  it('keeps broadcastFrom exclusions and event filters per message', async () => {
    const b = await bus();
    const sender = b.subscriber('sender');
    const senderSeen: string[] = [];
    const typingSeen: string[] = [];
    const allSeen: string[] = [];
    await b.subscribe('room:1', (m) => void senderSeen.push(`${m.event}`), { subscriber: sender });
    await b.subscribe('room:1', (m) => void typingSeen.push(m.event), { events: ['typing'] });
    await b.subscribe('room:1', (m) => void allSeen.push(m.event));
    await Promise.all([
      b.broadcast('room:1', 'message', { text: 'a', n: 0 }),
      b.broadcastFrom(sender, 'room:1', 'message', { text: 'b', n: 1 }),
      b.broadcast('room:1', 'typing', { userId: 'u' }),
      b.broadcastFrom(sender, 'room:1', 'typing', { userId: 'v' }),
      b.broadcast('room:1', 'message', { text: 'c', n: 2 }),
    ]);
    await settle();
    expect(senderSeen).toEqual(['message', 'typing', 'message']);
    expect(typingSeen).toEqual(['typing', 'typing']);
    expect(allSeen).toEqual(['message', 'message', 'typing', 'typing', 'message']);
  });

  it('stops a subscription removed mid-tick, and gives one added mid-tick only later messages', async () => {
    const b = await bus();
    const first: number[] = [];
    const second: number[] = [];
    const late: number[] = [];
    let secondSub: { unsubscribe(): Promise<void> } | undefined;
    await b.subscribe('room:1', (m) => {
      first.push(n(m));
      if (n(m) === 1) {
        void secondSub?.unsubscribe();
        void b.subscribe('room:1', (l) => void late.push(n(l)));
      }
      if (n(m) === 2) void b.broadcast('room:1', 'message', { text: 'y', n: 10 });
    });
    secondSub = await b.subscribe('room:1', (m) => void second.push(n(m)));
    await burst(b, 4);
    await settle(20);
    expect(first).toEqual([0, 1, 2, 3, 10]);
    // Removed by the first handler on message 1, before its own turn for message 1.
    expect(second).toEqual([0]);
    // Subscribed during the tick: it only gets what is published once it is in place.
    expect(late).toEqual([10]);
  });

  it('delivers what handlers publish on their own topic after the messages already there, in order', async () => {
    const b = await bus();
    const a: number[] = [];
    const c: number[] = [];
    await b.subscribe('room:1', (m) => {
      a.push(n(m));
      if (n(m) < 3) void b.broadcast('room:1', 'message', { text: 'r', n: n(m) + 100 });
    });
    await b.subscribe('room:1', (m) => void c.push(n(m)));
    await burst(b, 3);
    await settle();
    expect(a).toEqual([0, 1, 2, 100, 101, 102]);
    expect(c).toEqual([0, 1, 2, 100, 101, 102]);
  });

  it('moves a sync backlog to the queue at the slow mark without losing or reordering', async () => {
    const b = await bus();
    const seen: number[] = [];
    await b.subscribe('room:1', (m) => void seen.push(n(m)), {
      queue: { limit: 1024, slowAt: 5 },
    });
    await burst(b, 300);
    await settle();
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(b.stats().overflowDrops).toBe(0);
  });
});
