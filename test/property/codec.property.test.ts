/**
 * Property tests of the envelope codec (fast-check): encode→decode round-trips arbitrary
 * envelopes as `herald/2`; arbitrary strings, bytes, herald/2- and JWS-shaped garbage and signed
 * garbage (herald/2, and herald/1 which receivers still read) never make the decoder throw and
 * always come back as a rejection; no mutation of a valid message verifies as a different one.
 */
import { isUtf8 } from 'node:buffer';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCodec, type EnvelopeFields } from '../../src/security/codec.js';
import { createKeyRing } from '../../src/security/keys.js';
import { RejectReason } from '../../src/security/reasons.js';
import { KEY_1, KEY_2, secretOf, signCompact } from '../security/harness.js';

const single = createCodec(createKeyRing({ keys: [KEY_1] }), 'sender');
const rotating = createCodec(
  createKeyRing({ keys: [KEY_1, KEY_2], sign: [KEY_1.kid, KEY_2.kid] }),
  'sender',
);
const permissive = createCodec(createKeyRing({ keys: [KEY_1] }), 'sender', { maxDepth: 64 });
const receiver = createCodec(createKeyRing({ keys: [KEY_1, KEY_2] }), 'receiver');
const reasons = new Set<string>(Object.values(RejectReason));

/** Fuzz runs per property; the total across this file is printed and asserted >= 10,000. */
let fuzzRuns = 0;
const fuzz = (numRuns: number) => {
  fuzzRuns += numRuns;
  return { numRuns };
};

const text = fc.string({ unit: 'binary', maxLength: 40 });
const safeInt = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

/** Arbitrary envelope fields: unicode (lone surrogates included) everywhere a string goes. */
const envelopeFields: fc.Arbitrary<EnvelopeFields> = fc
  .record({
    // Epochs are tokens on the wire (no ':', they are joined into message ids).
    epoch: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    time: safeInt,
    topic: fc.oneof(text, fc.string({ unit: 'grapheme', maxLength: 30 })),
    event: text,
    version: safeInt,
    to: fc.option(text, { nil: undefined }),
    traceparent: fc.option(text, { nil: undefined }),
    tracestate: fc.option(text, { nil: undefined }),
    data: fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' }),
  })
  .map(({ to, traceparent, tracestate, ...rest }) => ({
    ...rest,
    ...(to === undefined ? {} : { to }),
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(tracestate === undefined ? {} : { tracestate }),
  }));

/** True when `value` holds a key the decoder must refuse (prototype pollution). */
function hasForbiddenKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') return true;
    if (
      key === 'constructor' &&
      inner !== null &&
      typeof inner === 'object' &&
      !Array.isArray(inner) &&
      Object.keys(inner).includes('prototype')
    )
      return true;
    if (hasForbiddenKey(inner)) return true;
  }
  return false;
}

function expectRejection(result: ReturnType<typeof receiver.decode>): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(reasons.has(result.reason)).toBe(true);
}

/** The head of `sender`'s messages under KEY_1, epoch e1. */
const HEAD = 'herald/2 HS256:k1 sender e1';

/** Signs `body` under {@link HEAD} by hand with node:crypto, as docs/wire-format.md §4 says. */
function signFrame(body: string | Buffer): Buffer {
  const input = Buffer.concat([Buffer.from(`${HEAD} `), Buffer.from(body)]);
  const mac = createHmac('sha256', secretOf(KEY_1)).update(input).digest('base64url');
  return Buffer.concat([input, Buffer.from(` ${mac}`)]);
}

/** Well-formed text: a lone surrogate has no UTF-8 form. */
const wellFormed = (wire: string): boolean => Buffer.from(wire, 'utf8').toString('utf8') === wire;

describe('encode then decode', () => {
  it.each([
    ['one signature', single, KEY_1.kid],
    ['two signatures (a key rotation)', rotating, KEY_1.kid],
  ] as const)('round-trips arbitrary envelopes with %s', (_name, codec, kid) => {
    fc.assert(
      fc.property(envelopeFields, (fields) => {
        if (hasForbiddenKey(fields.data)) {
          // The sender refuses what every receiver would refuse (forbidden_key).
          expect(() => codec.encode(fields)).toThrow(/cannot be sent: forbidden key/);
          return;
        }
        const wire = codec.encode(fields);
        expect(wire.startsWith('herald/2 ') && wellFormed(wire)).toBe(true);
        const result = receiver.decode(wire);
        const envelope = {
          ...fields,
          data: JSON.parse(JSON.stringify(fields.data)),
          node: 'sender',
          kid,
          size: Buffer.byteLength(wire),
        };
        expect(result).toEqual({ ok: true, envelope });
        // The same bytes, as a transport that delivers bytes hands them over.
        expect(receiver.decode(Buffer.from(wire, 'utf8'))).toEqual({ ok: true, envelope });
      }),
      { numRuns: 1500 },
    );
  });

  it('accepts data nested exactly maxDepth deep and rejects one level more as too_deep', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.boolean(), (depth, objects) => {
        const data = objects
          ? JSON.parse('{"a":'.repeat(depth) + '0' + '}'.repeat(depth))
          : JSON.parse('['.repeat(depth) + ']'.repeat(depth));
        const fields = { epoch: 'e', seq: 1, time: 0, topic: 't', event: 'x', version: 1, data };
        if (depth <= 32) {
          expect(receiver.decode(single.encode(fields)).ok).toBe(true);
          return;
        }
        // The sender refuses what every receiver would refuse ...
        expect(() => single.encode(fields)).toThrow(/cannot be sent: too deep/);
        // ... and a sender configured with a larger limit is refused by the receiver.
        const result = receiver.decode(permissive.encode(fields));
        expect(!result.ok && result.reason).toBe('too_deep');
      }),
      { numRuns: 200 },
    );
  });
});

describe('batch envelopes', () => {
  it.each([
    ['one signature', single, KEY_1.kid],
    ['two signatures (a key rotation)', rotating, KEY_1.kid],
  ] as const)(
    'round-trip arbitrary batches of 1-20 messages with %s, each message whole',
    (_name, codec, kid) => {
      const batch = fc.array(envelopeFields, { minLength: 1, maxLength: 20 });
      fc.assert(
        fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), batch, (epoch, list) => {
          const items = list
            .filter((f) => !hasForbiddenKey(f.data))
            .map(({ epoch: _e, ...f }) => f);
          if (items.length === 0) return;
          const wire = codec.encodeBatch(
            epoch,
            items.map((f) => codec.item(f)),
          );
          expect(wellFormed(wire)).toBe(true);
          const result = receiver.decodeAll(wire);
          const share = Math.ceil(Buffer.byteLength(wire) / items.length);
          expect(result.ok && result.envelopes).toEqual(
            items.map((f) => ({
              ...f,
              epoch,
              data: JSON.parse(JSON.stringify(f.data)),
              node: 'sender',
              kid,
              size: share,
            })),
          );
          // decode() expects exactly one message: a batch is refused there, never half-read.
          expect(receiver.decode(wire).ok).toBe(items.length === 1);
        }),
        { numRuns: 300 },
      );
    },
  );

  it('refuses a batch whose messages nest deeper than maxDepth, and takes one exactly that deep', () => {
    const data = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth));
    const fields = (depth: number) => ({
      seq: 1,
      time: 0,
      topic: 't',
      event: 'x',
      version: 1,
      data: data(depth),
    });
    const ok = receiver.decodeAll(single.encodeBatch('e', [single.item(fields(32))]));
    expect(ok.ok).toBe(true);
    expect(() => single.item(fields(33))).toThrow(/cannot be sent: too deep/);
    const deep = receiver.decodeAll(permissive.encodeBatch('e', [permissive.item(fields(33))]));
    expect(!deep.ok && deep.reason).toBe('too_deep');
  });

  it('never throws on signed batch-typed garbage and always rejects it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        // Well signed, but a body whose message is arbitrary JSON.
        const wire = single.encodeBatch('e', [JSON.stringify(value)]);
        const result = receiver.decodeAll(wire);
        if (result.ok) {
          // Only an array with exactly a message's members can pass.
          expect(result.envelopes).toHaveLength(1);
          return;
        }
        expect(reasons.has(result.reason)).toBe(true);
      }),
      fuzz(1000),
    );
  });
});

describe('decoding untrusted input', () => {
  it('never throws on random strings and always rejects them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (input) => {
        expectRejection(receiver.decode(input));
      }),
      fuzz(3000),
    );
  });

  it('never throws on random bytes and always rejects them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (input) => {
        expectRejection(receiver.decode(input));
      }),
      fuzz(3000),
    );
  });

  it('rejects herald/2-shaped garbage: a known head with a random body and signatures', () => {
    const wire = single.encode({
      epoch: 'e',
      seq: 1,
      time: 0,
      topic: 't',
      event: 'x',
      version: 1,
      data: null,
    });
    const head = wire.slice(0, wire.indexOf(' ['));
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 80 }),
    );
    const sig = fc.oneof(
      fc.string({ maxLength: 90 }),
      fc.constant(wire.slice(wire.lastIndexOf(' ') + 1)),
    );
    fc.assert(
      fc.property(body, sig, (b, s) => {
        expectRejection(receiver.decode(`${head} ${b} ${s}`));
      }),
      fuzz(1500),
    );
  });

  it('rejects JWS-shaped garbage (herald/1, still read): three base64url segments', () => {
    const segment = fc
      .uint8Array({ maxLength: 120 })
      .map((b) => Buffer.from(b).toString('base64url'));
    const knownHeader = Buffer.from(
      '{"alg":"HS256","kid":"k1","typ":"herald/1","nid":"sender"}',
    ).toString('base64url');
    fc.assert(
      fc.property(fc.oneof(segment, fc.constant(knownHeader)), segment, segment, (h, p, s) => {
        expectRejection(receiver.decode(`${h}.${p}.${s}`));
      }),
      fuzz(1500),
    );
  });

  it('rejects general-JSON-shaped garbage and arbitrary JSON documents', () => {
    const entry = fc.record(
      { protected: fc.string(), signature: fc.string(), header: fc.jsonValue({ maxDepth: 2 }) },
      { requiredKeys: [] },
    );
    const general = fc.record(
      { payload: fc.string(), signatures: fc.array(entry, { maxLength: 6 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(general, fc.jsonValue({ maxDepth: 5 })), (doc) => {
        expectRejection(receiver.decode(JSON.stringify(doc)));
      }),
      fuzz(1000),
    );
  });

  it('never throws on correctly signed payloads that are arbitrary JSON or arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }).map((v) => JSON.stringify(v)),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        (payload) => {
          for (const result of [
            receiver.decode(signCompact(payload)),
            receiver.decode(signFrame(payload)),
          ]) {
            // Only a payload that happens to be a well-formed envelope may verify.
            if (result.ok) expect(typeof result.envelope.epoch).toBe('string');
            else expect(reasons.has(result.reason)).toBe(true);
          }
        },
      ),
      fuzz(1000),
    );
  });
});

/** One random edit of a string: replace, insert, delete, duplicate a slice, or truncate. */
const mutation = fc.oneof(
  fc.record({
    op: fc.constant('replace' as const),
    at: fc.nat(),
    ch: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    ch: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 15 }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(wire: string, m: Mutation): string {
  const at = m.at % wire.length;
  switch (m.op) {
    case 'replace':
      return wire.slice(0, at) + m.ch + wire.slice(at + 1);
    case 'insert':
      return wire.slice(0, at) + m.ch + wire.slice(at);
    case 'delete':
      return wire.slice(0, at) + wire.slice(at + m.len);
    case 'duplicate':
      return wire.slice(0, at + m.len) + wire.slice(at);
    case 'truncate':
      return wire.slice(0, at);
    case 'flip':
      return (
        wire.slice(0, at) +
        String.fromCharCode(wire.charCodeAt(at) ^ (1 << m.bit)) +
        wire.slice(at + 1)
      );
  }
}

describe('payload bytes and tenants', () => {
  const payloadWith = (bytes: Uint8Array): Buffer =>
    Buffer.concat([
      Buffer.from('[[1,0,"room:1","message",1,"'),
      Buffer.from(bytes),
      Buffer.from('"]]'),
    ]);
  /** Bytes that are safe inside a JSON string whatever they are: no quote, backslash or control. */
  const stringBytes = fc
    .uint8Array({ maxLength: 24 })
    .map((a) => a.map((b) => (b < 0x20 || b === 0x22 || b === 0x5c ? 0x41 : b)));

  it('accepts a signed payload exactly when its bytes are UTF-8, and then returns exactly them', () => {
    fc.assert(
      fc.property(stringBytes, (bytes) => {
        const payload = payloadWith(bytes);
        // Signed by hand: the body is these bytes, whatever they are.
        const result = receiver.decode(signFrame(payload));
        const utf8 = isUtf8(payload);
        expect(result.ok).toBe(utf8);
        if (!result.ok) expect(result).toMatchObject({ reason: 'malformed' });
        else
          expect(Buffer.from(result.envelope.data as string, 'utf8')).toEqual(Buffer.from(bytes));
      }),
      fuzz(1000),
    );
  });

  it('accepts a message only at a receiver of the tenant it was signed for', () => {
    const tenant = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(tenant, tenant, (a, b) => {
        const sender = createCodec(createKeyRing({ keys: [KEY_1] }), 'sender', {}, a);
        const wire = sender.encode({
          epoch: 'e1',
          seq: 1,
          time: 0,
          topic: 'room:1',
          event: 'message',
          version: 1,
          data: null,
        });
        const at = (t?: string) =>
          createCodec(createKeyRing({ keys: [KEY_1] }), 'receiver', {}, t).decode(wire);
        expect(at(a).ok).toBe(true);
        expect(at(undefined)).toMatchObject({ reason: 'wrong_tenant' });
        if (a !== b) expect(at(b)).toMatchObject({ reason: 'wrong_tenant' });
      }),
      fuzz(300),
    );
  });
});

describe('mutating a valid message', () => {
  const base = {
    epoch: 'a1b2c3d4e5f60718',
    seq: 7,
    time: 1_767_225_600_000,
    topic: 'room:42',
    event: 'message',
    version: 1,
  };

  it('never verifies a changed message', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (data, edits) => {
          fc.pre(!hasForbiddenKey(data));
          const wire = single.encode({ ...base, data });
          const mutated = edits.reduce(mutate, wire);
          fc.pre(mutated !== wire);
          const result = receiver.decode(mutated);
          expectRejection(result);
          expectRejection(receiver.decode(new Uint8Array(Buffer.from(mutated, 'utf8'))));
        },
      ),
      fuzz(2000),
    );
  });

  it('never verifies a changed message of two signatures as a different message', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (data, edits) => {
          fc.pre(!hasForbiddenKey(data));
          const wire = rotating.encode({ ...base, data });
          const original = receiver.decode(wire);
          const mutated = edits.reduce(mutate, wire);
          fc.pre(mutated !== wire);
          const result = receiver.decode(mutated);
          // A broken second signature leaves the first, and the signed content, intact.
          if (result.ok && original.ok)
            expect({ ...result.envelope, size: 0, kid: '' }).toEqual({
              ...original.envelope,
              size: 0,
              kid: '',
            });
        },
      ),
      fuzz(1000),
    );
  });

  it(`ran at least 10,000 fuzz cases in this file`, () => {
    expect(fuzzRuns).toBeGreaterThanOrEqual(10_000);
  });
});
