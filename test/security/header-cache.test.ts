/**
 * The codec caches parsed heads (herald/2) and protected headers (herald/1, read only), by text
 * and the last one seen. Messages from several senders, interleaved, must each be attributed to
 * their own head; a head that is not Herald's stays refused however often it comes back.
 */
import { describe, expect, it } from 'vitest';
import { createCodec } from '../../src/security/codec.js';
import { createKeyRing } from '../../src/security/keys.js';
import { KEY_1, KEY_2 } from './harness.js';

const fields = (seq: number) => ({
  epoch: 'e1',
  seq,
  time: 1,
  topic: 'room:1',
  event: 'message',
  version: 1,
  data: { seq },
});

describe('header cache', () => {
  it('attributes interleaved messages of three senders and two keys to their own header', () => {
    const receiver = createCodec(createKeyRing({ keys: [KEY_1, KEY_2] }), 'receiver');
    const senders = [
      createCodec(createKeyRing({ keys: [KEY_1] }), 'node-a'),
      createCodec(createKeyRing({ keys: [KEY_2] }), 'node-b'),
      createCodec(createKeyRing({ keys: [KEY_1] }), 'node-c'),
    ];
    const order = [0, 0, 1, 0, 2, 2, 1, 1, 0, 2];
    const got = order.map((s, i) => receiver.decode(senders[s]!.encode(fields(i + 1))));
    expect(
      got.map((r) => (r.ok ? `${r.envelope.node}/${r.envelope.kid}/${r.envelope.seq}` : r.reason)),
    ).toEqual(
      order.map((s, i) => `${['node-a', 'node-b', 'node-c'][s]}/${s === 1 ? 'k2' : 'k1'}/${i + 1}`),
    );
  });

  it('keeps refusing a header that is not a Herald header, before and after a good one', () => {
    const receiver = createCodec(createKeyRing({ keys: [KEY_1] }), 'receiver');
    const good = createCodec(createKeyRing({ keys: [KEY_1] }), 'node-a').encode(fields(1));
    // The same body and signature under a head that is not a herald/2 head (a JWT-like alg list).
    const bad = good.replace('herald/2 HS256:k1 ', 'herald/2 HS256:k1;typ=JWT ');
    const verdicts = [bad, good, bad, bad].map((m) => {
      const r = receiver.decode(m);
      return r.ok ? r.envelope.node : r.reason;
    });
    expect(verdicts).toEqual(['malformed', 'node-a', 'malformed', 'malformed']);
  });
});
