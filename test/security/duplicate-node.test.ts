/**
 * Two running processes with the same node id (issue 13, finding 5; docs/wire-format.md §7).
 *
 * Only this bus instance's own epoch is an echo. Another epoch under this node id — another
 * process started with a copied `nodeId`, the same key — is refused as `duplicate_node`, counted,
 * emitted as `rejected`, and reported once as a `duplicate_node` event on BOTH sides: the
 * receiver that saw it, and the sender, through a signed notice on its own `$node:` channel.
 * Runs on one in-process hub and on real Redis; a bus's own echo (Redis hands a publisher its
 * own messages back) still counts as an echo.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import {
  type Bus,
  createBus,
  createLocalHub,
  type DuplicateNode,
  type Message,
  type Rejection,
  type Transport,
} from '../../src/index.js';
import { createCodec } from '../../src/security/codec.js';
import { createKeyRing } from '../../src/security/keys.js';
import { requireRedis } from '../support/services.js';
import { KEY_1, registry } from './harness.js';

const redis = await requireRedis();

type TestBus = Bus<typeof registry.defs>;

interface Twin {
  readonly bus: TestBus;
  readonly handled: Message[];
  readonly rejections: Rejection[];
  readonly duplicates: DuplicateNode[];
}

function twin(transport: Transport, nodeId = 'twin'): Twin {
  const bus = createBus({ registry, keys: { keys: [KEY_1] }, transport, nodeId });
  const t: Twin = { bus, handled: [], rejections: [], duplicates: [] };
  bus.on('rejected', (r) => t.rejections.push(r));
  bus.on('duplicate_node', (d) => t.duplicates.push(d));
  return t;
}

/** The epoch of a bus, from the id of one of its receipts (`<node>:<epoch>:<seq>`). */
const epochOf = (id: string): string => id.split(':')[1]!;

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The shared scenario: two buses with one node id exchange messages on `room:1`. */
async function bothSidesRefuse(make: () => Transport): Promise<void> {
  const a = twin(make());
  const b = twin(make());
  try {
    await a.bus.start();
    await b.bus.start();
    await a.bus.subscribe('room:1', (m) => void a.handled.push(m));
    await b.bus.subscribe('room:1', (m) => void b.handled.push(m));
    const fromA = [];
    const fromB = [];
    for (let i = 0; i < 3; i++)
      fromA.push(await a.bus.broadcast('room:1', 'message', { text: `a${i}` }));
    for (let i = 0; i < 2; i++)
      fromB.push(await b.bus.broadcast('room:1', 'message', { text: `b${i}` }));
    const [epochA, epochB] = [epochOf(fromA[0]!.id), epochOf(fromB[0]!.id)];
    expect(epochA).not.toBe(epochB);
    const onRoom = (t: Twin) => t.rejections.filter((r) => r.channel === 'room:1');
    await until(
      () => onRoom(a).length === 2 && onRoom(b).length === 3,
      'each side to refuse the other',
    );
    await until(() => a.duplicates.length === 1 && b.duplicates.length === 1, 'both events');

    for (const [self, other, count] of [
      [a, epochB, 2],
      [b, epochA, 3],
    ] as const) {
      // Each one's messages are refused by the other, never counted as echoes.
      expect(onRoom(self).map((r) => r.reason)).toEqual(Array(count).fill('duplicate_node'));
      expect(onRoom(self).every((r) => r.node === 'twin' && r.topic === 'room:1')).toBe(true);
      expect(self.bus.stats().rejected.duplicate_node).toBeGreaterThanOrEqual(count);
      // Echoes are this bus's own messages only (Redis hands them back; the hub does not).
      const stats = self.bus.stats();
      expect(stats.echoes).toBeLessThanOrEqual(stats.sent);
      expect(self.rejections.every((r) => r.reason === 'duplicate_node')).toBe(true);
      // Handlers saw only their own bus's local deliveries.
      expect(self.handled.every((m) => m.meta.local)).toBe(true);
      expect(self.duplicates).toEqual([
        { node: 'twin', epoch: other, channel: expect.any(String), hint: expect.any(String) },
      ]);
      expect(self.duplicates[0]!.hint).toMatch(/give every process its own nodeId/);
    }
    expect(a.handled.map((m) => m.payload)).toEqual([
      { text: 'a0' },
      { text: 'a1' },
      { text: 'a2' },
    ]);
    expect(b.handled.map((m) => m.payload)).toEqual([{ text: 'b0' }, { text: 'b1' }]);
  } finally {
    await Promise.all([a.bus.stop(), b.bus.stop()]);
  }
}

/** The sender learns too, even when it subscribes to nothing the other process publishes. */
async function senderLearns(make: () => Transport): Promise<void> {
  const sender = twin(make());
  const receiver = twin(make());
  try {
    await sender.bus.start();
    await receiver.bus.start();
    await receiver.bus.subscribe('room:1', (m) => void receiver.handled.push(m));
    const receipt = await sender.bus.broadcast('room:1', 'message', { text: 'hello' });
    await until(
      () => receiver.duplicates.length === 1 && sender.duplicates.length === 1,
      'both sides to report the duplicate node id',
    );
    expect(receiver.duplicates[0]!.epoch).toBe(epochOf(receipt.id));
    // The notice travels on the sender's own direct channel, and is itself refused there.
    expect(sender.duplicates[0]!.channel).toBe('$node:twin');
    expect(sender.rejections.map((r) => r.reason)).toContain('duplicate_node');
    expect(receiver.handled).toEqual([]);
  } finally {
    await Promise.all([sender.bus.stop(), receiver.bus.stop()]);
  }
}

describe('two processes with the same node id, on one in-process hub', () => {
  it('refuse each other as duplicate_node on both sides, never as echoes', async () => {
    const hub = createLocalHub();
    await bothSidesRefuse(() => hub.transport());
  });

  it('tell the sender through its own $node channel, even when it subscribes to nothing', async () => {
    const hub = createLocalHub();
    await senderLearns(() => hub.transport());
  });

  it('write it to the stderr report when nobody listens for duplicate_node', async () => {
    const hub = createLocalHub();
    const lines: string[][] = [[], []];
    const a = createBus({
      registry,
      keys: { keys: [KEY_1] },
      transport: hub.transport(),
      nodeId: 'twin',
      log: (line) => void lines[0]!.push(line),
    });
    const b = createBus({
      registry,
      keys: { keys: [KEY_1] },
      transport: hub.transport(),
      nodeId: 'twin',
      log: (line) => void lines[1]!.push(line),
    });
    const twin = (side: string[]) => side.filter((l) => l.startsWith('herald: duplicate node id'));
    try {
      await a.start();
      await b.start();
      await b.subscribe('room:1', () => undefined);
      await a.broadcast('room:1', 'message', { text: 'x' });
      await until(
        () => twin(lines[0]!).length >= 1 && twin(lines[1]!).length >= 1,
        'a report line on each side',
      );
      for (const side of lines) {
        expect(twin(side)[0]).toMatch(
          /nodeId "twin".*Fix: give every running process its own nodeId/,
        );
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe.skipIf(!redis.ok)('two processes with the same node id, on real Redis', () => {
  const url = redis.ok ? redis.url : '';
  const prefix = () => `herald-test:dup:${randomBytes(4).toString('hex')}:`;

  it('refuse each other as duplicate_node on both sides, never as echoes', async () => {
    const p = prefix();
    await bothSidesRefuse(() => redisTransport({ url, prefix: p }));
  });

  it('tell the sender through its own $node channel, even when it subscribes to nothing', async () => {
    const p = prefix();
    await senderLearns(() => redisTransport({ url, prefix: p }));
  });

  it("count a bus's own echo as an echo, not as a duplicate", async () => {
    const one = twin(redisTransport({ url, prefix: prefix() }));
    try {
      await one.bus.start();
      await one.bus.subscribe('room:1', (m) => void one.handled.push(m));
      await one.bus.broadcast('room:1', 'message', { text: 'mine' });
      await until(() => one.bus.stats().echoes === 1, 'the echo');
      expect(one.rejections).toEqual([]);
      expect(one.duplicates).toEqual([]);
      expect(one.handled.map((m) => m.meta.local)).toEqual([true]);
    } finally {
      await one.bus.stop();
    }
  });
});

describe('the codec', () => {
  it('recognises as its own only its current epoch, with the same node id and key', () => {
    const codec = createCodec(createKeyRing({ keys: [KEY_1] }), 'twin');
    const fields = { seq: 1, time: 0, topic: 'room:1', event: 'message', version: 1, data: {} };
    const mine = codec.encode({ ...fields, epoch: '0123456789abcdef' });
    const theirs = codec.encode({ ...fields, epoch: 'fedcba9876543210' });
    expect(codec.isOwn(mine, '0123456789abcdef')).toBe(true);
    expect(codec.isOwn(theirs, '0123456789abcdef')).toBe(false);
    // Epochs whose payload start does not fill whole base64 groups take the slower comparison.
    const short = codec.encode({ ...fields, epoch: 'ab' });
    expect(codec.isOwn(short, 'ab')).toBe(true);
    expect(codec.isOwn(short, 'abc')).toBe(false);
    expect(codec.isOwn(codec.encode({ ...fields, epoch: 'abc' }), 'ab')).toBe(false);
    const batch = codec.encodeBatch('0123456789abcdef', [codec.item(fields)]);
    expect(codec.isOwn(batch, '0123456789abcdef')).toBe(true);
    expect(codec.isOwn(batch, 'fedcba9876543210')).toBe(false);
  });
});
