/**
 * The frame reader's short road (src/security/frame-reader.ts): a message with the last head read,
 * one HS256 claim, is checked as a whole text against its last 43 characters. Its verdict must be
 * the general reading's, always: a receiver that has just accepted a message of that head (warm)
 * and one that has read nothing yet (cold) give every input the same result, whatever is changed
 * in the head, the body, the last space or the signature, and whoever signed it.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Codec, createCodec, type EnvelopeFields } from '../../src/security/codec.js';
import { createKeyRing, type KeyConfig } from '../../src/security/keys.js';
import { KEY_1, KEY_2, secretOf } from '../security/harness.js';

const sender = createCodec(createKeyRing({ keys: [KEY_1] }), 'sender');
const base: EnvelopeFields = {
  epoch: 'a1b2c3d4e5f60718',
  seq: 7,
  time: 1_767_225_600_000,
  topic: 'room:42',
  event: 'message',
  version: 1,
  data: { text: 'héllo' },
};
const first = sender.encode(base);
const head = first.slice(0, first.indexOf(' ['));

/** The receivers compared: each configuration, made fresh (cold) or after one message (warm). */
const configs: { name: string; keys: KeyConfig; tenant?: string }[] = [
  { name: 'plain', keys: { keys: [KEY_1, KEY_2] } },
  { name: 'scoped', keys: { keys: [{ ...KEY_1, scopes: ['room:*'] }] } },
  { name: 'other key', keys: { keys: [KEY_2], retired: [KEY_1.kid] } },
  { name: 'tenant', keys: { keys: [KEY_1] }, tenant: 'acme' },
];
const cold = (c: (typeof configs)[number]): Codec =>
  createCodec(createKeyRing(c.keys), 'receiver', {}, c.tenant);
const warm = configs.map((c) => {
  const codec = cold(c);
  codec.decode(first);
  return codec;
});

/** Warm and cold readers of every configuration agree on `input`, and warm stays warm. */
function agree(input: string | Uint8Array): void {
  configs.forEach((c, i) => {
    const codec = warm[i]!;
    expect(codec.decodeAll(input), c.name).toEqual(cold(c).decodeAll(input));
    // Back to the head of `first`: the next input meets the short road again.
    codec.decode(first);
  });
}

/** `text` signed under KEY_1 by hand (node:crypto), as docs/wire-format.md §4 says. */
const signed = (text: string): string =>
  `${text} ${createHmac('sha256', secretOf(KEY_1)).update(text, 'utf8').digest('base64url')}`;

/** Data a publisher sends: its own check refuses `__proto__` and `constructor.prototype` keys. */
const data = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).filter((d) => {
  const json = JSON.stringify(d);
  return !json.includes('"__proto__"') && !json.includes('"prototype"');
});
const tailEdit = fc.record({
  back: fc.integer({ min: 1, max: 60 }),
  ch: fc.constantFrom(' ', ',', 'A', '-', '=', '\u0141', 'é', '👋', '', '  ', '[', '"'),
});

describe('the short road for a known head', () => {
  it('reads a valid message as a fresh receiver does', () => {
    fc.assert(
      fc.property(data, fc.boolean(), (d, bytes) => {
        const wire = sender.encode({ ...base, data: d });
        agree(bytes ? new Uint8Array(Buffer.from(wire, 'utf8')) : wire);
      }),
      { numRuns: 300 },
    );
  });

  it('gives a changed end of a message (signature, last space, body) the general verdict', () => {
    fc.assert(
      fc.property(data, fc.array(tailEdit, { minLength: 1, maxLength: 3 }), (d, edits) => {
        let wire = sender.encode({ ...base, data: d });
        for (const { back, ch } of edits) {
          const at = Math.max(0, wire.length - back);
          wire = wire.slice(0, at) + ch + wire.slice(at + 1);
        }
        agree(wire);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives any text signed under the known head the general verdict', () => {
    const body = fc.oneof(
      data.map((d) => JSON.stringify([[1, 0, 'room:42', 'message', 1, d]])),
      data.map((d) => `[[1,0,"room:42","message",1,${JSON.stringify(d)}]] x`),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom(
        '[]',
        '[[1,0,"audit","recorded",1,null]]',
        ' [[]]',
        '[[1,0,"a","b",1,{"a":1,"a":2}]]',
      ),
    );
    const tail = fc.constantFrom('', ',', ',abc', ' ', 'x');
    fc.assert(
      fc.property(body, tail, (b, t) => {
        const wire = signed(`${head} ${b}`) + t;
        agree(wire);
        agree(signed(`${head}  ${b}`));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives a message under another head of the same length the general verdict', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_.-]{16}$/);
    fc.assert(
      fc.property(token, data, (epoch, d) => {
        agree(sender.encode({ ...base, epoch, data: d }));
        agree(signed(`herald/2 HS256:k1 sender ${epoch} [[1,0,"room:42","message",1,null]]`));
      }),
      { numRuns: 300 },
    );
  });

  it('takes the short road for a valid message, and refuses a respelled signature on it', () => {
    const wire = sender.encode({ ...base, seq: 8 });
    const receiver = warm[0]!;
    expect(receiver.decode(wire)).toMatchObject({ ok: true, envelope: { seq: 8, kid: 'k1' } });
    // The last character of a 43-character MAC carries 4 bits: its 2 unused low bits set.
    const last = wire.charCodeAt(wire.length - 1);
    const respelled = wire.slice(0, -1) + String.fromCharCode(last ^ 1);
    expect(receiver.decode(respelled)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});
