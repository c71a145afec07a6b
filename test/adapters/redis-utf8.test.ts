/**
 * herald/2 over Redis carries the signed bytes themselves (docs/wire-format.md §3, §7 step 2): a
 * message that is not well-formed UTF-8 is `malformed` at the subscriber, and is never repaired
 * into text first. A repairing decode (U+FFFD for each bad sequence) would verify a message whose
 * bytes differ from the signed ones whenever the signed text held U+FFFD where the bad bytes are.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createBus, type Message, type Rejection } from '../../src/index.js';
import { createCodec, createKeyRing } from '../../src/internal.js';
import { keys, registry } from '../fixtures/registry.js';
import { requireRedis } from '../support/services.js';

const redis = await requireRedis();
const REPLACEMENT = Buffer.from('\uFFFD', 'utf8');

describe.skipIf(!redis.ok)('herald/2 bytes that are not UTF-8, on Redis', () => {
  it('are malformed at the subscriber, even where a repair would verify, and it keeps receiving', async () => {
    const url = redis.ok ? redis.url : '';
    const prefix = `herald-test:utf8-2:${randomBytes(4).toString('hex')}:`;
    const bus = createBus({
      registry,
      keys,
      transport: redisTransport({ url, prefix }),
      nodeId: 'receiver',
    });
    const sender = createCodec(createKeyRing(keys), 'sender');
    const raw = new Redis(url);
    raw.on('error', () => undefined);
    const got: Message[] = [];
    const rejections: Rejection[] = [];
    bus.on('rejected', (r) => void rejections.push(r));
    const signed = (seq: number, text: string): Buffer =>
      Buffer.from(
        sender.encode({
          epoch: 'e1',
          seq,
          time: Date.now(),
          topic: 'room:1',
          event: 'message',
          version: 1,
          data: { text, n: seq },
        }),
        'utf8',
      );
    try {
      await bus.start();
      await bus.subscribe('room:1', (m) => void got.push(m));
      // Signed over U+FFFD; on the wire that character's three bytes become one stray 0xFF.
      const honest = signed(1, 'a\uFFFDb');
      const at = honest.indexOf(REPLACEMENT);
      const forged = Buffer.concat([
        honest.subarray(0, at),
        Buffer.from([0xff]),
        honest.subarray(at + REPLACEMENT.length),
      ]);
      await raw.publish(`${prefix}room:1`, forged);
      await raw.publish(`${prefix}room:1`, signed(2, 'fine'));
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(got.map((m) => m.payload)).toEqual([{ text: 'fine', n: 2 }]);
      expect(rejections.map((r) => r.reason)).toEqual(['malformed']);
      expect(rejections[0]?.detail).toMatch(/UTF-8/);
    } finally {
      raw.disconnect();
      await bus.stop();
    }
  });
});
