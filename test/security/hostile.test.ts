/**
 * Hostile input at the receive path. Every case injects bytes into a started bus as if the
 * network delivered them, and asserts: refused, counted under the expected reason, reported as a
 * `rejected` event, never handed to a handler, no throw, no prototype pollution, under 50 ms.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deepArray,
  expectRejected,
  forgedPayload,
  KEY_1,
  KEY_2,
  type Pair,
  secretOf,
  signCompact,
  startPair,
} from './harness.js';

/** The bytes of the last message the hub delivered to the receiver. */
function lastReceived(pair: Pair): { channel: string; data: string } {
  const last = pair.transport.received.at(-1);
  if (!last || typeof last.data !== 'string') throw new Error('nothing received');
  return { channel: last.channel, data: last.data };
}

describe('a bus receiving hostile input', () => {
  let pair: Pair;
  const timings: Record<string, number> = {};
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => {
    await pair.stop();
    console.log(
      'rejection times (ms):',
      Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', '),
    );
  });

  it('rejects text that is not JSON as malformed', async () => {
    timings.notJson = await expectRejected(pair, 'room:1', 'hello, world', 'malformed');
    await expectRejected(pair, 'room:1', '', 'malformed');
    await expectRejected(pair, 'room:1', '...', 'malformed');
  });

  it('rejects a truncated message', async () => {
    await pair.roundTrip('whole');
    const { data } = lastReceived(pair);
    timings.truncated = await expectRejected(
      pair,
      'room:1',
      data.slice(0, data.length >> 1),
      'malformed',
    );
    await expectRejected(pair, 'room:1', data.slice(0, -1), 'bad_signature');
    await expectRejected(pair, 'room:1', data.slice(0, data.lastIndexOf(' ') + 1), 'bad_signature');
  });

  it('rejects a 10 MB input as oversize, as text and as bytes', async () => {
    // Built from a buffer so it is a flat string, as a transport would deliver it (a rope from
    // 'a'.repeat would be flattened inside the timed call).
    const text = Buffer.alloc(10 * 1024 * 1024, 'a').toString('latin1');
    timings.oversize = await expectRejected(pair, 'room:1', text, 'oversize');
    await expectRejected(pair, 'room:1', new Uint8Array(10 * 1024 * 1024), 'oversize');
  });

  it('rejects 100k-deep nesting inside a correctly signed payload as too_deep', async () => {
    const wire = signCompact(forgedPayload({ dataJson: deepArray(100_000) }));
    expect(wire.length).toBeLessThan(2 * 1024 * 1024);
    timings.tooDeep = await expectRejected(pair, 'room:1', wire, 'too_deep');
    const deepObject = '{"a":'.repeat(33) + '1' + '}'.repeat(33);
    await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ dataJson: deepObject })),
      'too_deep',
    );
  });

  it('rejects signed duplicate keys, in data and in the envelope, as duplicate_key', async () => {
    timings.duplicateKey = await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ dataJson: '{"text":"a","text":"b"}' })),
      'duplicate_key',
    );
    const twoTopics = forgedPayload().replace('"topic":"room:1"', '"topic":"room:1","topic":"x"');
    await expectRejected(pair, 'room:1', signCompact(twoTopics), 'duplicate_key');
  });

  it.each([
    ['at the top of data', '{"__proto__":{"polluted":true}}'],
    ['nested in data', '{"a":{"b":[{"c":{"__proto__":{"polluted":true}}}]}}'],
    ['Unicode-escaped', '{"\\u005f_proto__":{"polluted":true}}'],
    ['as constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
    ['as nested constructor.prototype', '[{"x":{"constructor":{"prototype":{"polluted":1}}}}]'],
  ])('rejects a signed __proto__ key %s as forbidden_key', async (_where, dataJson) => {
    timings.forbiddenKey = await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ dataJson })),
      'forbidden_key',
    );
  });

  it('rejects a signed __proto__ member of the envelope itself as forbidden_key', async () => {
    const payload = forgedPayload().replace('{"epoch"', '{"__proto__":{"polluted":1},"epoch"');
    await expectRejected(pair, 'room:1', signCompact(payload), 'forbidden_key');
  });

  it('rejects bytes that are not UTF-8 (nor ASCII) as malformed', async () => {
    timings.notUtf8 = await expectRejected(
      pair,
      'room:1',
      new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0x2e, 0x2e]),
      'malformed',
    );
    await pair.roundTrip('bytes');
    const bytes = Buffer.from(lastReceived(pair).data, 'latin1');
    bytes[bytes.length >> 1] = 0xff;
    await expectRejected(pair, 'room:1', new Uint8Array(bytes), 'malformed');
  });

  it('rejects a message signed with a key id outside the allow-list as unknown_key', async () => {
    const wire = signCompact(forgedPayload(), { kid: 'k9', secret: randomBytes(32) });
    timings.unknownKey = await expectRejected(pair, 'room:1', wire, 'unknown_key');
  });

  it('rejects a message signed with the wrong secret as bad_signature', async () => {
    const wire = signCompact(forgedPayload(), { secret: randomBytes(32) });
    timings.badSignature = await expectRejected(pair, 'room:1', wire, 'bad_signature');
  });

  it('rejects a valid signature re-spelled with non-ASCII look-alike characters as malformed', async () => {
    await pair.roundTrip('original');
    const { data } = lastReceived(pair);
    // Adding 0x100 keeps the low byte: a latin1 view of the string would see the same MAC.
    const i = data.length - 3;
    const respelled =
      data.slice(0, i) + String.fromCharCode(data.charCodeAt(i) + 0x100) + data.slice(i + 1);
    // A signature is base64url text: the re-spelled message is refused before any MAC.
    await expectRejected(pair, 'room:1', respelled, 'malformed');
  });

  it('rejects alg "none" and alg "HS512" headers naming an HS256 key as algorithm_mismatch', async () => {
    const payload = forgedPayload();
    const none = signCompact(payload, { alg: 'none' });
    await expectRejected(
      pair,
      'room:1',
      `${none.slice(0, none.lastIndexOf('.'))}.`,
      'algorithm_mismatch',
    );
    await expectRejected(
      pair,
      'room:1',
      signCompact(payload, { alg: 'HS512' }),
      'algorithm_mismatch',
    );
  });

  it('rejects timestamps outside the skew window as expired or future', async () => {
    timings.expired = await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ time: Date.now() - 61_000 })),
      'expired',
    );
    timings.future = await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ time: Date.now() + 6_000 })),
      'future',
    );
  });

  it('rejects the same bytes a second time as replay', async () => {
    await pair.roundTrip('once');
    const { channel, data } = lastReceived(pair);
    timings.replay = await expectRejected(pair, channel, data, 'replay');
    await expectRejected(pair, channel, new Uint8Array(Buffer.from(data, 'latin1')), 'replay');
  });

  it('rejects a message signed for one topic re-published on another channel as topic_mismatch', async () => {
    await pair.roundTrip('for room 1');
    const { data } = lastReceived(pair);
    timings.topicMismatch = await expectRejected(pair, 'feed:main', data, 'topic_mismatch');
    await expectRejected(pair, '$node:receiver', data, 'topic_mismatch');
  });

  it('rejects a direct message for another node as wrong_node', async () => {
    const wire = signCompact(forgedPayload({ to: 'someone-else' }));
    await expectRejected(pair, '$node:someone-else', wire, 'wrong_node');
  });

  it('rejects a foreign non-Herald message as malformed and keeps working', async () => {
    timings.foreign = await expectRejected(pair, 'room:1', '{"hello":1}', 'malformed');
    await expectRejected(pair, 'room:1', '{"payload":"x","signatures":[]}', 'malformed');
    await expectRejected(pair, 'room:1', 'null', 'malformed');
    const message = await pair.roundTrip('still alive');
    expect(message.payload).toEqual({ text: 'still alive' });
    expect(message.meta.local).toBe(false);
  });
});

describe('a bus that rotated keys', () => {
  it('rejects a message signed only with a retired key as retired_key', async () => {
    const pair = await startPair({ receiverKeys: { keys: [KEY_2], retired: [KEY_1.kid] } });
    try {
      await pair.sender.broadcast('room:1', 'message', { text: 'old key' });
      await pair.settle();
      const { channel } = lastReceived(pair);
      expect(pair.receiver.stats().rejected.retired_key).toBe(1);
      expect(pair.handled).toHaveLength(0);
      await expectRejected(
        pair,
        channel,
        signCompact(forgedPayload(), { secret: secretOf(KEY_1) }),
        'retired_key',
      );
    } finally {
      await pair.stop();
    }
  });
});

describe("a bus whose publisher's clock is wrong", () => {
  it.each([
    ['expired', -120_000],
    ['future', 30_000],
  ] as const)('rejects its messages as %s', async (reason, shift) => {
    const pair = await startPair({ senderNow: () => Date.now() + shift });
    try {
      await pair.sender.broadcast('room:1', 'message', { text: 'skewed' });
      await pair.settle();
      expect(pair.receiver.stats().rejected[reason]).toBe(1);
      expect(pair.rejections.map((r) => r.reason)).toEqual([reason]);
      expect(pair.handled).toHaveLength(0);
    } finally {
      await pair.stop();
    }
  });
});
