/**
 * Micro-batching (`createBus({ batching })`, on by default over remote transports): the first
 * publish to a channel in a tick goes out at once, alone; the next ones of that tick travel as one
 * signed batch envelope, and every message keeps its own guarantees on the way in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BatchingOptions,
  type Bus,
  ConfigError,
  createBus,
  createLocalHub,
  type Message,
  type Rejection,
  type Transport,
} from '../../src/index.js';
import { createCodec, createKeyRing, itemJson } from '../../src/internal.js';
import { keys, registry, settle } from '../fixtures/registry.js';

type Defs = typeof registry.defs;
type Hub = ReturnType<typeof createLocalHub>;

/**
 * A hub transport that records what it publishes, can carry at most `batchBytes` in one piece, and
 * says it is `remote` (a network transport, batched by default) when asked.
 */
function recording(hub: Hub, batchBytes?: number, remote?: boolean) {
  const inner = hub.transport();
  const sent: { channel: string; data: string }[] = [];
  const transport: Transport = {
    ...inner,
    name: 'local',
    connect: (sink) => inner.connect(sink),
    publish: (channel, data) => {
      sent.push({ channel, data });
      return inner.publish(channel, data);
    },
    subscribe: (c) => inner.subscribe(c),
    unsubscribe: (c) => inner.unsubscribe(c),
    close: () => inner.close(),
    status: () => inner.status(),
    hasRemoteInterest: (c) => inner.hasRemoteInterest?.(c) ?? true,
    ...(batchBytes === undefined ? {} : { batchBytes }),
    // Given `remote`, the wrapper is that kind of transport and nothing else (not the hub, which
    // is `batched`); without it, it keeps the hub's own marks.
    ...(remote === undefined ? {} : { remote, batched: false }),
  };
  return { transport, sent, inject: inner };
}

/** How many messages a herald/2 message carries: the length of its body array (§3). */
const countOf = (data: string): number =>
  (JSON.parse(data.slice(data.indexOf(' [') + 1, data.lastIndexOf(' '))) as unknown[]).length;

const buses: Bus<Defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

async function pair(
  batching: boolean | BatchingOptions | undefined,
  batchBytes?: number,
  remote?: boolean,
) {
  const hub = createLocalHub();
  const wire = recording(hub, batchBytes, remote);
  const a = createBus({
    registry,
    keys,
    nodeId: 'a',
    transport: wire.transport,
    ...(batching === undefined ? {} : { batching }),
  });
  const b = createBus({ registry, keys, nodeId: 'b', transport: hub.transport() });
  buses.push(a, b);
  await Promise.all([a.start(), b.start()]);
  const got: Message[] = [];
  const rejected: Rejection[] = [];
  b.on('rejected', (r) => void rejected.push(r));
  await b.subscribe('room:1', (m) => void got.push(m as Message));
  return { a, b, wire, got, rejected, hub };
}

describe('micro-batching', () => {
  it('sends the first publish of a tick alone and the rest of that tick in batch envelopes of at most maxMessages', async () => {
    const { a, wire, got } = await pair({ maxMessages: 100 });
    const receipts = await Promise.all(
      Array.from({ length: 251 }, (_, n) => a.broadcast('room:1', 'message', { text: 'hi', n })),
    );
    await settle(20);
    expect(wire.sent.map((s) => s.channel)).toEqual(['room:1', 'room:1', 'room:1', 'room:1']);
    expect(wire.sent.map((s) => countOf(s.data))).toEqual([1, 100, 100, 50]);
    // Every message arrives on its own, in order, with its own id and sequence number.
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual(
      Array.from({ length: 251 }, (_, n) => n),
    );
    expect(new Set(got.map((m) => m.meta.id)).size).toBe(251);
    expect(got.map((m) => m.meta.seq)).toEqual(receipts.map((r) => r.seq));
    expect(receipts.every((r) => r.sent)).toBe(true);
    expect(a.stats()).toMatchObject({ published: 251, sent: 251 });
    // Each message reports its share of the bytes of the envelope that carried it.
    const [alone, batch] = wire.sent;
    expect(got[0]?.meta.size).toBe(alone?.data.length);
    expect(got[1]?.meta.size).toBe(Math.ceil((batch?.data.length ?? 0) / 100));
  });

  it('sends a publish made alone in its tick at once, as a single message, without waiting for company', async () => {
    const { a, wire, got } = await pair(true);
    for (let n = 0; n < 3; n++) {
      const receipt = a.broadcast('room:1', 'message', { text: 'x', n });
      // Handed to the transport before broadcast returned.
      expect(wire.sent).toHaveLength(n + 1);
      await receipt;
    }
    await settle();
    expect(wire.sent.map((s) => countOf(s.data) > 1)).toEqual([false, false, false]);
    expect(got).toHaveLength(3);
  });

  it('starts each channel’s tick with a message alone: two channels in one tick are two single messages', async () => {
    const { a, b, wire, got } = await pair(true);
    await b.subscribe('room:2', (m) => void got.push(m as Message));
    await Promise.all([
      a.broadcast('room:1', 'message', { text: 'x', n: 1 }),
      a.broadcast('room:2', 'message', { text: 'x', n: 2 }),
    ]);
    await settle();
    expect(wire.sent.map((s) => [s.channel, countOf(s.data) > 1])).toEqual([
      ['room:1', false],
      ['room:2', false],
    ]);
    expect(got).toHaveLength(2);
  });

  it('batches by default over a transport marked remote and over the local hub (batched), and not over one marked neither', async () => {
    // remote true: a network transport; false: neither remote nor batched; undefined: the hub's own marks.
    for (const remote of [true, false, undefined]) {
      const { a, wire, got } = await pair(undefined, undefined, remote);
      await Promise.all([0, 1, 2].map((n) => a.broadcast('room:1', 'message', { text: 'x', n })));
      await settle();
      expect(got).toHaveLength(3);
      expect(wire.sent.map((s) => countOf(s.data) > 1)).toEqual(
        remote === false ? [false, false, false] : [false, true],
      );
    }
  });

  it('sends one envelope per message over a remote transport with batching: false', async () => {
    const { a, wire, got } = await pair(false, undefined, true);
    await Promise.all([0, 1, 2].map((n) => a.broadcast('room:1', 'message', { text: 'x', n })));
    await settle();
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual([0, 1, 2]);
    expect(wire.sent.map((s) => countOf(s.data) > 1)).toEqual([false, false, false]);
  });

  it('keeps batches under the transport’s one-piece limit, and sends a message too large to share alone', async () => {
    const { a, wire, got } = await pair(true, 4000);
    const big = 'y'.repeat(3500);
    await Promise.all([
      ...Array.from({ length: 40 }, (_, n) =>
        a.broadcast('room:1', 'message', { text: 'x'.repeat(200), n }),
      ),
      a.broadcast('room:1', 'message', { text: big, n: 40 }),
    ]);
    await settle(20);
    expect(got).toHaveLength(41);
    const batches = wire.sent.filter((s) => countOf(s.data) > 1);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.data.length).toBeLessThanOrEqual(4000);
    // The first of the tick and the big one went alone, as single messages.
    expect(wire.sent.filter((s) => countOf(s.data) === 1)).toHaveLength(2);
    expect(wire.sent.filter((s) => s.data.length > 3500)).toHaveLength(1);
    // Publish order holds: the batch open before the big one was sent before it.
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual(
      Array.from({ length: 41 }, (_, n) => n),
    );
    expect(countOf(wire.sent.at(-1)?.data as string)).toBe(1);
  });

  it('refuses every message of a replayed batch as a replay, each counted', async () => {
    const { a, b, wire, got, rejected } = await pair(true);
    await Promise.all(
      Array.from({ length: 5 }, (_, n) => a.broadcast('room:1', 'message', { text: 'x', n })),
    );
    await settle();
    expect(got).toHaveLength(5);
    // The first went alone, the four others in one batch: both replayed.
    expect(wire.sent.map((s) => countOf(s.data) > 1)).toEqual([false, true]);
    for (const { data } of wire.sent) await wire.inject.publish('room:1', data);
    await settle();
    expect(got).toHaveLength(5);
    expect(rejected.map((r) => r.reason)).toEqual([
      'replay',
      'replay',
      'replay',
      'replay',
      'replay',
    ]);
    expect(b.stats().rejected.replay).toBe(5);
  });

  it('refuses a batch with a flipped bit whole, before any message of it is read', async () => {
    const { a, wire, got, rejected } = await pair(true);
    await Promise.all([0, 1, 2].map((n) => a.broadcast('room:1', 'message', { text: 'x', n })));
    await settle();
    const batch = wire.sent.find((s) => countOf(s.data) > 1)?.data as string;
    // One digit of the first message's time, inside the signed body.
    const at = batch.indexOf(' [[') + 8;
    const flipped = `${batch.slice(0, at)}${batch[at] === '1' ? '2' : '1'}${batch.slice(at + 1)}`;
    got.length = 0;
    await wire.inject.publish('room:1', flipped);
    await settle();
    expect(got).toEqual([]);
    expect(rejected.map((r) => r.reason)).toEqual(['bad_signature']);
  });

  it('checks each message of a batch on its own: an invalid one is refused, the others delivered', async () => {
    const { b, got, rejected, hub } = await pair(true);
    const codec = createCodec(createKeyRing(keys), 'forger');
    const item = (n: number, data: unknown) =>
      itemJson({ seq: n, time: Date.now(), topic: 'room:1', event: 'message', version: 1, data });
    const batch = codec.encodeBatch('e1', [
      item(1, { text: 'ok', n: 1 }),
      item(2, { text: '', n: 2 }),
      item(3, { text: 'ok', n: 3 }),
      // Signed for another topic but carried on room:1.
      itemJson({
        seq: 4,
        time: Date.now(),
        topic: 'room:2',
        event: 'message',
        version: 1,
        data: { text: 'x', n: 4 },
      }),
    ]);
    const sender = hub.transport();
    await sender.connect({ message: () => undefined, event: () => undefined });
    await sender.publish('room:1', batch);
    await settle();
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual([1, 3]);
    expect(rejected.map((r) => r.reason)).toEqual(['invalid_payload', 'topic_mismatch']);
    expect(b.stats().rejectedTotal).toBe(2);
    await sender.close();
  });

  it('a payload no receiver can read fails only its own publish', async () => {
    const { a, b, got } = await pair(true);
    // Someone listens, so both are encoded for the transport in the same tick.
    await b.subscribe('legacy:x', () => undefined);
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = [deep];
    const results = await Promise.allSettled([
      a.broadcastRaw('legacy:x' as 'legacy:x', 'blob', { deep }),
      a.broadcast('room:1', 'message', { text: 'fine', n: 1 }),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'INVALID_PAYLOAD' } });
    expect(results[1]).toMatchObject({ status: 'fulfilled' });
    await settle();
    expect(got).toHaveLength(1);
  });

  it('refuses invalid batching options when the bus is created', () => {
    for (const batching of [{ maxMessages: 0 }, { maxMessages: 1025 }, { maxBytes: 10 }]) {
      expect(() => createBus({ registry, keys, transport: 'local', batching })).toThrow(
        ConfigError,
      );
    }
  });
});
