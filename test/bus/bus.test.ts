import { afterEach, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  ErrorCode,
  type HeraldError,
  isHeraldError,
  ValidationError,
} from '../../src/index.js';
import { keys, registry, settle } from '../fixtures/registry.js';

type Defs = typeof registry.defs;
const buses: Bus<Defs>[] = [];
async function pair(): Promise<[Bus<Defs>, Bus<Defs>]> {
  const hub = createLocalHub();
  const a = createBus({ registry, keys, nodeId: 'a', transport: hub.transport() });
  const b = createBus({ registry, keys, nodeId: 'b', transport: hub.transport() });
  buses.push(a, b);
  await Promise.all([a.start(), b.start()]);
  return [a, b];
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

describe('broadcast', () => {
  it('delivers a validated message to local and remote subscribers exactly once', async () => {
    const [a, b] = await pair();
    const seenA: unknown[] = [];
    const seenB: { payload: unknown; local: boolean; node: string; params: unknown }[] = [];
    await a.subscribe('room:1', (m) => void seenA.push(m.payload));
    await b.subscribe(
      'room:1',
      (m) =>
        void seenB.push({
          payload: m.payload,
          local: m.meta.local,
          node: m.meta.node,
          params: m.meta.params,
        }),
    );
    const receipt = await a.broadcast('room:1', 'message', { text: 'hi', n: 1 });
    await settle();
    expect(seenA).toEqual([{ text: 'hi', n: 1 }]);
    expect(seenB).toEqual([
      { payload: { text: 'hi', n: 1 }, local: false, node: 'a', params: { roomId: '1' } },
    ]);
    expect(receipt).toMatchObject({
      seq: 1,
      topic: 'room:1',
      event: 'message',
      localDeliveries: 1,
      sent: true,
    });
    expect(receipt.id).toMatch(/^a:[0-9a-f]{16}:1$/);
  });

  it('does not encode or send when no other node subscribes', async () => {
    const [a] = await pair();
    await a.subscribe('room:1', () => undefined);
    const receipt = await a.broadcast('room:1', 'message', { text: 'x', n: 0 });
    expect(receipt.sent).toBe(false);
    expect(a.stats().sent).toBe(0);
  });

  it('keeps publish order per publisher across many messages', async () => {
    const [a, b] = await pair();
    const got: number[] = [];
    await b.subscribe('room:1', (m) => void got.push((m.payload as { n: number }).n));
    for (let n = 0; n < 500; n++) await a.broadcast('room:1', 'message', { text: 't', n });
    await settle(20);
    expect(got).toEqual(Array.from({ length: 500 }, (_, n) => n));
  });

  it('refuses an invalid payload with a ValidationError naming topic, event and field', async () => {
    const [a] = await pair();
    const error = await a
      .broadcast('room:1', 'message', { text: '', n: -1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.code).toBe(ErrorCode.InvalidPayload);
    expect(v.topic).toBe('room:1');
    expect(v.event).toBe('message');
    expect(v.field).toBe('/text');
    expect(v.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['/text', '/n']));
    expect(v.message).toContain('hint:');
  });

  it('refuses unknown topics and events with the declared alternatives in the hint', async () => {
    const [a] = await pair();
    const unknownTopic = await a
      .broadcast('nope:1' as 'room:1', 'message', { text: 'x', n: 1 })
      .catch((e: unknown) => e);
    expect(isHeraldError(unknownTopic) && unknownTopic.code).toBe(ErrorCode.UnknownTopic);
    expect((unknownTopic as HeraldError).hint).toContain('room:{roomId}');
    const unknownEvent = await a
      .broadcast('room:1', 'nope' as 'message', { text: 'x', n: 1 })
      .catch((e: unknown) => e);
    expect((unknownEvent as HeraldError).code).toBe(ErrorCode.UnknownEvent);
    expect((unknownEvent as HeraldError).hint).toContain('message, typing');
  });

  it('checks typed topic parameters against their schemas', async () => {
    const [a] = await pair();
    // The shape is a declared template, so the parameter is named (as the typed client does).
    await expect(a.broadcast('shard:99:jobs', 'done', { jobId: 'j' })).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
      field: 'shard',
    });
    await expect(a.broadcast('shard:3:jobs', 'done', { jobId: 'j' })).resolves.toMatchObject({
      topic: 'shard:3:jobs',
    });
    expect(registry.topic('shard', { shard: 3 })).toBe('shard:3:jobs');
    expect(() => registry.topic('shard', { shard: 16 })).toThrow(
      /parameter "shard" of topic "shard:\{shard\}:jobs" is invalid/,
    );
  });

  it('rejects with NOT_STARTED before start and after stop', async () => {
    const bus = createBus({ registry, keys, transport: createLocalHub().transport() });
    await expect(bus.broadcast('room:1', 'message', { text: 'x', n: 1 })).rejects.toMatchObject({
      code: ErrorCode.NotStarted,
    });
    await bus.start();
    await bus.stop();
    await expect(bus.broadcast('room:1', 'message', { text: 'x', n: 1 })).rejects.toMatchObject({
      code: ErrorCode.NotStarted,
    });
  });
});

describe('broadcastFrom, directBroadcast, localBroadcast, broadcastRaw', () => {
  it('broadcastFrom skips only the sender’s own subscriptions', async () => {
    const [a, b] = await pair();
    const alice = a.subscriber('alice');
    const got: string[] = [];
    await a.subscribe('room:1', () => void got.push('alice'), { subscriber: alice });
    await a.subscribe('room:1', () => void got.push('bob@a'));
    await b.subscribe('room:1', () => void got.push('carol@b'));
    await a.broadcastFrom(alice, 'room:1', 'message', { text: 'hi', n: 1 });
    await settle();
    expect(got.sort()).toEqual(['bob@a', 'carol@b']);
  });

  it('directBroadcast reaches only the target node', async () => {
    const hub = createLocalHub();
    const [a, b, c] = ['a', 'b', 'c'].map((nodeId) =>
      createBus({ registry, keys, nodeId, transport: hub.transport() }),
    );
    buses.push(a!, b!, c!);
    await Promise.all([a!.start(), b!.start(), c!.start()]);
    const got: string[] = [];
    for (const bus of [a!, b!, c!]) await bus.subscribe('room:1', () => void got.push(bus.nodeId));
    await a!.directBroadcast('b', 'room:1', 'message', { text: 'psst', n: 1 });
    await settle();
    expect(got).toEqual(['b']);
    await a!.directBroadcast('a', 'room:1', 'message', { text: 'self', n: 2 });
    await settle();
    expect(got).toEqual(['b', 'a']);
  });

  it('localBroadcast never crosses the transport', async () => {
    const [a, b] = await pair();
    const got: string[] = [];
    await a.subscribe('room:1', () => void got.push('a'));
    await b.subscribe('room:1', () => void got.push('b'));
    const receipt = await a.localBroadcast('room:1', 'message', { text: 'here', n: 1 });
    await settle();
    expect(got).toEqual(['a']);
    expect(receipt.sent).toBe(false);
  });

  it('broadcastRaw carries unvalidated payloads on raw topics only, still signed', async () => {
    const [a, b] = await pair();
    const got: unknown[] = [];
    await b.subscribe('legacy:feed', (m) => void got.push([m.event, m.payload, m.meta.kid]));
    await a.broadcastRaw('legacy:feed', 'anything', { free: ['form', 1] });
    await settle();
    expect(got).toEqual([['anything', { free: ['form', 1] }, 'k1']]);
    await expect(a.broadcastRaw('room:1' as 'legacy:x', 'message', {})).rejects.toMatchObject({
      code: ErrorCode.RawMismatch,
    });
    await expect(
      a.broadcast('legacy:feed' as 'room:1', 'message', { text: 'x', n: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.RawMismatch });
  });
});

describe('subscriptions', () => {
  it('unsubscribes by handle, by topic for a subscriber, and everything a subscriber holds', async () => {
    const [a] = await pair();
    const sub = a.subscriber('s');
    const h1 = await a.subscribe('room:1', () => undefined, { subscriber: sub });
    await a.subscribe('room:1', () => undefined, { subscriber: sub });
    await a.subscribe('room:2', () => undefined, { subscriber: sub });
    await a.subscribe('room:2', () => undefined);
    expect(a.subscriberCount('room:1')).toBe(2);
    await h1.unsubscribe();
    await h1.unsubscribe();
    expect(h1.active).toBe(false);
    expect(a.subscriberCount('room:1')).toBe(1);
    await sub.unsubscribe('room:1');
    expect(a.subscriberCount('room:1')).toBe(0);
    expect(a.topics()).toEqual(['room:2']);
    await sub.unsubscribeAll();
    expect(sub.subscriptions).toEqual([]);
    expect(a.subscriberCount('room:2')).toBe(1);
  });

  it('removes the server-side channel when the last local subscriber leaves', async () => {
    const [a] = await pair();
    const s1 = await a.subscribe('room:9', () => undefined);
    const s2 = await a.subscribe('room:9', () => undefined);
    expect(a.transport().channels).toBe(2); // $node:a + room:9
    await s1.unsubscribe();
    expect(a.transport().channels).toBe(2);
    await s2.unsubscribe();
    expect(a.transport().channels).toBe(1);
  });

  it('filters by event name', async () => {
    const [a] = await pair();
    const got: string[] = [];
    await a.subscribe('room:1', (m) => void got.push(m.event), { events: ['typing'] });
    await a.broadcast('room:1', 'message', { text: 'x', n: 1 });
    await a.broadcast('room:1', 'typing', { userId: 'u' });
    await settle();
    expect(got).toEqual(['typing']);
  });

  it('unsubscribes when the AbortSignal fires', async () => {
    const [a] = await pair();
    const controller = new AbortController();
    await a.subscribe('room:1', () => undefined, { signal: controller.signal });
    expect(a.subscriberCount('room:1')).toBe(1);
    controller.abort();
    await settle();
    expect(a.subscriberCount('room:1')).toBe(0);
  });

  it('may subscribe before start; the transport subscription happens at start', async () => {
    const hub = createLocalHub();
    const a = createBus({ registry, keys, nodeId: 'a', transport: hub.transport() });
    const b = createBus({ registry, keys, nodeId: 'b', transport: hub.transport() });
    buses.push(a, b);
    const got: unknown[] = [];
    await b.subscribe('room:1', (m) => void got.push(m.payload));
    await Promise.all([a.start(), b.start()]);
    await a.broadcast('room:1', 'message', { text: 'early', n: 1 });
    await settle();
    expect(got).toEqual([{ text: 'early', n: 1 }]);
  });
});

describe('isolation and backpressure', () => {
  it('a throwing handler is reported and never affects other subscribers', async () => {
    const [a] = await pair();
    const errors: unknown[] = [];
    a.on('handler_error', (e) => errors.push(e));
    const got: number[] = [];
    await a.subscribe('room:1', () => {
      throw new Error('boom');
    });
    await a.subscribe('room:1', async () => {
      await Promise.reject(new Error('async boom'));
    });
    await a.subscribe('room:1', (m) => void got.push((m.payload as { n: number }).n));
    await a.broadcast('room:1', 'message', { text: 'x', n: 1 });
    await a.broadcast('room:1', 'message', { text: 'x', n: 2 });
    await settle();
    expect(got).toEqual([1, 2]);
    expect(errors).toHaveLength(4);
    expect(a.stats().handlerErrors).toBe(4);
  });

  it('a slow handler only delays its own queue, and messages reach it in order', async () => {
    const [a] = await pair();
    const fast: number[] = [];
    const slow: number[] = [];
    await a.subscribe('room:1', async (m) => {
      await new Promise((r) => setTimeout(r, 5));
      slow.push((m.payload as { n: number }).n);
    });
    await a.subscribe('room:1', (m) => void fast.push((m.payload as { n: number }).n));
    for (let n = 0; n < 5; n++) await a.broadcast('room:1', 'message', { text: 'x', n });
    await settle(1);
    expect(fast).toEqual([0, 1, 2, 3, 4]);
    expect(slow.length).toBeLessThan(5);
    await settle(60);
    expect(slow).toEqual([0, 1, 2, 3, 4]);
  });

  it('drop-oldest keeps the newest messages and counts the drops', async () => {
    const [a] = await pair();
    const overflow: unknown[] = [];
    a.on('overflow', (e) => overflow.push(e));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: number[] = [];
    const sub = await a.subscribe(
      'room:1',
      async (m) => {
        got.push((m.payload as { n: number }).n);
        if ((m.payload as { n: number }).n === 0) await gate;
      },
      { queue: { limit: 3, overflow: 'drop-oldest' } },
    );
    for (let n = 0; n < 10; n++) await a.broadcast('room:1', 'message', { text: 'x', n });
    expect(sub.pending).toBe(3);
    release();
    await settle();
    expect(got).toEqual([0, 7, 8, 9]);
    expect(sub.dropped).toBe(6);
    expect(a.stats().overflowDrops).toBe(6);
    expect(overflow).toHaveLength(6);
  });

  it('drop-newest keeps the oldest queued messages', async () => {
    const [a] = await pair();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: number[] = [];
    const sub = await a.subscribe(
      'room:1',
      async (m) => {
        got.push((m.payload as { n: number }).n);
        if ((m.payload as { n: number }).n === 0) await gate;
      },
      { queue: { limit: 2, overflow: 'drop-newest' } },
    );
    for (let n = 0; n < 6; n++) await a.broadcast('room:1', 'message', { text: 'x', n });
    release();
    await settle();
    expect(got).toEqual([0, 1, 2]);
    expect(sub.dropped).toBe(3);
  });

  it('the error policy cancels the subscription with a QUEUE_OVERFLOW error', async () => {
    const [a] = await pair();
    const errors: HeraldError[] = [];
    a.on('subscription_error', (e) => errors.push(e.error));
    const sub = await a.subscribe('room:1', () => new Promise<void>(() => undefined), {
      queue: { limit: 1, overflow: 'error' },
    });
    for (let n = 0; n < 3; n++) await a.broadcast('room:1', 'message', { text: 'x', n });
    await settle();
    expect(sub.active).toBe(false);
    expect(errors[0]?.code).toBe(ErrorCode.QueueOverflow);
    expect(errors[0]?.topic).toBe('room:1');
    expect(a.subscriberCount('room:1')).toBe(0);
  });
});

describe('streams', () => {
  it('for await yields messages in order and unsubscribes on break', async () => {
    const [a, b] = await pair();
    const stream = b.stream('room:1');
    const got: number[] = [];
    const done = (async () => {
      for await (const m of stream) {
        got.push((m.payload as { n: number }).n);
        if (got.length === 3) break;
      }
    })();
    await settle();
    expect(b.subscriberCount('room:1')).toBe(1);
    for (let n = 0; n < 3; n++) await a.broadcast('room:1', 'message', { text: 'x', n });
    await done;
    expect(got).toEqual([0, 1, 2]);
    expect(b.subscriberCount('room:1')).toBe(0);
  });

  it('ends open streams when the bus stops', async () => {
    const [a] = await pair();
    const stream = a.stream('room:1');
    const result = stream.next();
    await settle();
    await a.stop();
    await expect(result).resolves.toEqual({ value: undefined, done: true });
  });

  it('ends the loop when the stream’s abort signal fires', async () => {
    const [a, b] = await pair();
    const controller = new AbortController();
    const got: number[] = [];
    const loop = (async () => {
      for await (const m of b.stream('room:1', { signal: controller.signal })) {
        got.push((m.payload as { n: number }).n);
      }
      return 'ended';
    })();
    await settle();
    await a.broadcast('room:1', 'message', { text: 'x', n: 1 });
    await settle();
    controller.abort();
    await expect(loop).resolves.toBe('ended');
    expect(got).toEqual([1]);
    expect(b.subscriberCount('room:1')).toBe(0);
  });

  it('throws QUEUE_OVERFLOW from the loop when an "error" queue overflows, after the message it holds', async () => {
    const [a] = await pair();
    const stream = a.stream('room:1', { queue: { limit: 2, overflow: 'error' } });
    const first = stream.next();
    await settle();
    // The loop body is busy after the first message: the queue fills up and overflows.
    for (let n = 0; n < 6; n++) await a.broadcast('room:1', 'message', { text: 'x', n });
    expect((await first).value?.payload).toMatchObject({ n: 0 });
    expect(a.subscriberCount('room:1')).toBe(0);
    const seen: number[] = [];
    const error = await (async () => {
      for (;;) {
        const next = await stream.next();
        if (next.done) return 'done';
        seen.push((next.value.payload as { n: number }).n);
      }
    })().catch((e: unknown) => e);
    expect(isHeraldError(error) && error.code).toBe(ErrorCode.QueueOverflow);
    expect(seen).toEqual([1]);
    await expect(stream.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('a stream on an unknown topic throws from the loop', async () => {
    const [a] = await pair();
    const stream = a.stream('nope:1' as 'room:1');
    await expect(stream.next()).rejects.toMatchObject({ code: ErrorCode.UnknownTopic });
  });
});
