/**
 * A signed payload that is not valid UTF-8 (issue 13, finding 6; docs/wire-format.md §3, §7
 * step 6). Decoding it would substitute U+FFFD, so two different signed byte strings would reach
 * a handler as the same value; the receiver refuses it as `malformed`, with a detail naming
 * UTF-8, before any handler. Injected on an in-process hub and published as raw bytes on a real
 * Redis channel.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createBus, type Message, type Rejection } from '../../src/index.js';
import { requireRedis } from '../support/services.js';
import { expectRejected, KEY_1, registry, secretOf, startPair } from './harness.js';

const redis = await requireRedis();

/** Signs payload BYTES (not text) as a compact JWS with node:crypto. */
function signBytes(payload: Buffer, opts: { nid?: string; batch?: boolean; header?: Buffer } = {}) {
  const headerText = JSON.stringify({
    alg: 'HS256',
    kid: KEY_1.kid,
    typ: opts.batch ? 'herald/1+batch' : 'herald/1',
    nid: opts.nid ?? 'forger',
  });
  const h = (opts.header ?? Buffer.from(headerText, 'utf8')).toString('base64url');
  const p = payload.toString('base64url');
  const mac = createHmac('sha256', secretOf(KEY_1)).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${mac}`;
}

/** An envelope whose `data.text` holds `bad` bytes, framed by valid JSON. */
function envelopeWith(bad: Buffer, seq = 1): Buffer {
  const epoch = randomBytes(8).toString('hex');
  return Buffer.concat([
    Buffer.from(
      `{"epoch":"${epoch}","seq":${seq},"time":${Date.now()},"topic":"room:1","event":"message","version":1,"data":{"text":"`,
    ),
    bad,
    Buffer.from('"}}'),
  ]);
}

/** Byte strings that are not UTF-8 (RFC 3629 §3-4), each of which toString('utf8') "repairs". */
const NOT_UTF8: Record<string, Buffer> = {
  'lone continuation byte': Buffer.from([0x80]),
  'truncated two-byte sequence': Buffer.from([0xc3]),
  'overlong "/"': Buffer.from([0xc0, 0xaf]),
  'overlong NUL': Buffer.from([0xe0, 0x80, 0x80]),
  'encoded surrogate U+D800': Buffer.from([0xed, 0xa0, 0x80]),
  'above U+10FFFF': Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  'byte 0xFF': Buffer.from([0xff]),
  'Latin-1 é': Buffer.from([0x68, 0xe9, 0x6c, 0x6c, 0x6f]),
};

describe('a signed payload that is not valid UTF-8, on an in-process hub', () => {
  it.each(Object.entries(NOT_UTF8))('is malformed: %s', async (_name, bad) => {
    const pair = await startPair();
    try {
      await expectRejected(pair, 'room:1', signBytes(envelopeWith(bad)), 'malformed');
      expect(pair.rejections.at(-1)?.detail).toMatch(/UTF-8/);
      // Until now the same bytes reached the handler with U+FFFD in place of the bad ones.
      expect(pair.handled).toEqual([]);
      expect((await pair.roundTrip('still here')).payload).toEqual({ text: 'still here' });
    } finally {
      await pair.stop();
    }
  });

  it('is malformed inside a batch, and a header that is not UTF-8 is malformed too', async () => {
    const pair = await startPair();
    try {
      const epoch = randomBytes(8).toString('hex');
      const batch = Buffer.concat([
        Buffer.from(
          `{"epoch":"${epoch}","batch":[{"seq":1,"time":${Date.now()},"topic":"room:1","event":"message","version":1,"data":{"text":"`,
        ),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from('"}}]}'),
      ]);
      await expectRejected(pair, 'room:1', signBytes(batch, { batch: true }), 'malformed');
      expect(pair.rejections.at(-1)?.detail).toMatch(/UTF-8/);
      const header = Buffer.concat([
        Buffer.from('{"alg":"HS256","kid":"k1","typ":"herald/1","nid":"forger'),
        Buffer.from([0xff]),
        Buffer.from('"}'),
      ]);
      await expectRejected(
        pair,
        'room:1',
        signBytes(envelopeWith(Buffer.from('ok')), { header }),
        'malformed',
      );
    } finally {
      await pair.stop();
    }
  });

  it('still delivers well-formed non-ASCII text byte for byte', async () => {
    const pair = await startPair();
    try {
      const text = 'héllo 👋 中文 \u{10FFFF}';
      const before = pair.handled.length;
      pair.transport.inject('room:1', signBytes(envelopeWith(Buffer.from(text, 'utf8'))));
      await pair.settle();
      expect(pair.handled.slice(before).map((m) => m.payload)).toEqual([{ text }]);
    } finally {
      await pair.stop();
    }
  });
});

describe.skipIf(!redis.ok)(
  'a signed payload that is not valid UTF-8, as raw bytes on Redis',
  () => {
    it('is malformed at the subscriber, which keeps receiving', async () => {
      const url = redis.ok ? redis.url : '';
      const prefix = `herald-test:utf8:${randomBytes(4).toString('hex')}:`;
      const bus = createBus({
        registry,
        keys: { keys: [KEY_1] },
        transport: redisTransport({ url, prefix }),
        nodeId: 'receiver',
      });
      const raw = new Redis(url);
      raw.on('error', () => undefined);
      const got: Message[] = [];
      const rejections: Rejection[] = [];
      bus.on('rejected', (r) => rejections.push(r));
      try {
        await bus.start();
        await bus.subscribe('room:1', (m) => void got.push(m));
        const bads = Object.values(NOT_UTF8);
        for (let i = 0; i < bads.length; i++) {
          await raw.publish(
            `${prefix}room:1`,
            Buffer.from(signBytes(envelopeWith(bads[i]!, i + 1))),
          );
        }
        const fine = signBytes(envelopeWith(Buffer.from('fine'), 99));
        await raw.publish(`${prefix}room:1`, Buffer.from(fine));
        const deadline = Date.now() + 5000;
        while (got.length === 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(got.map((m) => m.payload)).toEqual([{ text: 'fine' }]);
        expect(rejections).toHaveLength(bads.length);
        expect(rejections.every((r) => r.reason === 'malformed' && /UTF-8/.test(r.detail))).toBe(
          true,
        );
        expect(bus.stats().rejected.malformed).toBe(bads.length);
      } finally {
        raw.disconnect();
        await bus.stop();
      }
    });
  },
);
