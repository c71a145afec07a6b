/**
 * Hostile input that targets what the signature covers, through a started bus: one flipped bit
 * in each signed field and at every position of the wire; the skew window at both of its edges;
 * replays inside the window (reordered, re-wrapped); trace context that is forged, malformed or
 * 10 KB long; and bursts of foreign, non-Herald messages on a shared channel — in process and on
 * a real Redis channel — that must never send the receiver into a crash loop.
 *
 * Every rejection is checked by `expectRejected`: refused, counted by reason, reported, never
 * handled, no throw, no prototype pollution, under 50 ms.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import {
  createBus,
  type Message,
  otelInstrumentation,
  type RejectReason,
} from '../../src/index.js';
import { createCodec, createKeyRing, type EnvelopeFields } from '../../src/internal.js';
import { requireRedis } from '../support/services.js';
import { installContextManager, type TraceRig, traceRig } from '../telemetry/harness.js';
import {
  expectRejected,
  forgedPayload,
  KEY_1,
  KEY_2,
  MAX_MS,
  type Pair,
  registry,
  settleIo,
  signCompact,
  startPair,
} from './harness.js';

const redis = await requireRedis();
const sender = createCodec(createKeyRing({ keys: [KEY_1] }), 'sender');
const epoch = (): string => Math.random().toString(16).slice(2, 18).padEnd(16, '0');

const flipChar = (text: string, i: number, bit: number): string =>
  text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) + text.slice(i + 1);

/** One bit flipped in a JSON value: the last character of a string, the low bit of a number. */
function flipValue(value: unknown): unknown {
  if (typeof value === 'number') return value ^ 1;
  if (typeof value === 'string') return flipChar(value, value.length - 1, 0);
  const text = JSON.stringify(value);
  for (let i = 0; i < text.length; i++) {
    try {
      const changed = JSON.parse(flipChar(text, i, 0)) as unknown;
      if (JSON.stringify(changed) !== text) return changed;
    } catch {
      // That bit breaks the JSON; try the next character.
    }
  }
  throw new Error(`no one-bit change of ${text}`);
}

/** A fresh signed envelope carrying every optional field. */
function fullEnvelope(to?: string): EnvelopeFields {
  return {
    epoch: epoch(),
    seq: 1,
    time: Date.now(),
    topic: 'room:1',
    event: 'message',
    version: 1,
    ...(to === undefined ? {} : { to }),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'vendor=abc',
    data: { text: 'every field signed' },
  };
}

describe('one flipped bit in a signed field, through the bus', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(() => pair.stop());

  // herald/2 head tokens: format, algorithm:key id, node, epoch (docs/wire-format.md §2).
  const headReasons: readonly RejectReason[] = [
    'malformed',
    'algorithm_mismatch',
    'unknown_key',
    'bad_signature',
    'bad_signature',
  ];

  it.each([
    ['a broadcast', undefined, 'room:1'],
    ['a direct message', 'receiver', '$node:receiver'],
  ] as const)(
    'refuses %s with any one field changed, and accepts it untouched',
    async (_what, to, channel) => {
      const fields = fullEnvelope(to);
      const wire = sender.encode(fields);
      const start = wire.indexOf(' [');
      const last = wire.lastIndexOf(' ');
      const head = wire.slice(0, start);
      const signature = wire.slice(last + 1);
      const [item] = JSON.parse(wire.slice(start + 1, last)) as unknown[][];
      // seq, time, topic, event, version, data, to (null when absent), traceparent, tracestate
      expect(item).toHaveLength(9);
      for (let i = 0; i < item!.length; i++) {
        const changed = [...item!];
        changed[i] = changed[i] === null ? 'receiver' : flipValue(changed[i]);
        const body = JSON.stringify([changed]);
        await expectRejected(pair, channel, `${head} ${body} ${signature}`, 'bad_signature');
      }
      // The head: format, key claim (its algorithm, its key id), node and epoch are signed too.
      const tokens = [...head.split(' ')];
      const [alg, kid] = tokens[1]!.split(':') as [string, string];
      const variants = [
        [flipValue(tokens[0]), tokens[1], tokens[2], tokens[3]],
        [tokens[0], `${flipValue(alg)}:${kid}`, tokens[2], tokens[3]],
        [tokens[0], `${alg}:${flipValue(kid)}`, tokens[2], tokens[3]],
        [tokens[0], tokens[1], flipValue(tokens[2]), tokens[3]],
        [tokens[0], tokens[1], tokens[2], flipValue(tokens[3])],
      ];
      for (const [i, variant] of variants.entries()) {
        const changed = `${variant.join(' ')}${wire.slice(start)}`;
        await expectRejected(pair, channel, changed, headReasons[i]!);
      }
      const before = pair.handled.length;
      pair.transport.inject(channel, wire);
      await settleIo();
      expect(pair.handled).toHaveLength(before + 1);
    },
  );

  it('refuses the message with any one bit of the wire flipped, at every position', async () => {
    const wire = sender.encode(fullEnvelope());
    const before = pair.receiver.stats();
    const handled = pair.handled.length;
    let slowest = 0;
    let again = 0;
    const timed = (input: string): number => {
      const started = performance.now();
      pair.transport.inject('room:1', input);
      return performance.now() - started;
    };
    for (let i = 0; i < wire.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const input = flipChar(wire, i, bit);
        let ms = timed(input);
        // A pause of the machine is not the input's doing: a slow input is slow twice.
        if (ms >= MAX_MS) {
          ms = timed(input);
          again++;
        }
        slowest = Math.max(slowest, ms);
      }
    }
    await settleIo();
    const after = pair.receiver.stats();
    expect(after.rejectedTotal - before.rejectedTotal).toBe(wire.length * 8 + again);
    expect(after.received).toBe(before.received);
    expect(pair.handled).toHaveLength(handled);
    expect(slowest).toBeLessThan(MAX_MS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    pair.transport.inject('room:1', wire);
    await settleIo();
    expect(pair.handled).toHaveLength(handled + 1);
  });
});

describe('a key id is an allow-list lookup, nothing else', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(() => pair.stop());

  it.each([
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '../k1',
    'k1/../k1',
    '/etc/passwd',
    'file:///k1',
    'https://attacker.example/jwks.json',
    'k1\u0000',
    'K1',
    ' k1',
    "k1' OR '1'='1",
    'k'.repeat(300),
  ])('refuses kid %j as unknown_key, whatever it looks like', async (kid) => {
    const wire = signCompact(forgedPayload({ epoch: epoch() }), { kid });
    await expectRejected(pair, 'room:1', wire, 'unknown_key');
  });
});

describe('the skew window, configured separately for the past and the future', () => {
  const T = 1_767_225_600_000;
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({
      receiver: { now: () => T, freshness: { maxPastMs: 2_000, maxFutureMs: 500 } },
    });
  });
  afterAll(() => pair.stop());
  const at = (time: number): string => signCompact(forgedPayload({ time, epoch: epoch() }));

  it.each([
    ['exactly maxPastMs old', T - 2_000],
    ['exactly maxFutureMs ahead', T + 500],
    ['now', T],
  ])('accepts a message %s', async (_what, time) => {
    const before = pair.handled.length;
    pair.transport.inject('room:1', at(time));
    await settleIo();
    expect(pair.handled).toHaveLength(before + 1);
  });

  it.each([
    ['1 ms older than maxPastMs', T - 2_001, 'expired'],
    ['a day old', T - 86_400_000, 'expired'],
    ['1 ms further ahead than maxFutureMs', T + 501, 'future'],
    ['a year ahead', T + 31_536_000_000, 'future'],
    ['at time 0', 0, 'expired'],
    ['at the largest safe integer', Number.MAX_SAFE_INTEGER, 'future'],
  ] as const)('refuses a message %s', async (_what, time, reason) => {
    await expectRejected(pair, 'room:1', at(time), reason);
  });
});

describe('replays inside the window', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ receiver: { freshness: { reorderWindow: 32 } } });
  });
  afterAll(() => pair.stop());

  it('accepts a reordered message once, then refuses it as replay', async () => {
    const e = epoch();
    for (const seq of [5, 3])
      pair.transport.inject('room:1', signCompact(forgedPayload({ epoch: e, seq })));
    await settleIo();
    expect(pair.handled.map((m) => m.meta.seq)).toEqual([5, 3]);
    await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ epoch: e, seq: 3, dataJson: '{"text":"again"}' })),
      'replay',
    );
    await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ epoch: e, seq: 5 })),
      'replay',
    );
  });

  it('refuses a message older than the reorder window as replay, since the window can no longer tell', async () => {
    const e = epoch();
    pair.transport.inject('room:1', signCompact(forgedPayload({ epoch: e, seq: 100 })));
    await settleIo();
    await expectRejected(
      pair,
      'room:1',
      signCompact(forgedPayload({ epoch: e, seq: 68 })),
      'replay',
    );
    pair.transport.inject('room:1', signCompact(forgedPayload({ epoch: e, seq: 69 })));
    await settleIo();
    expect(pair.handled.at(-1)?.meta.seq).toBe(69);
  });

  it('refuses a replay whose second signature was changed: the id, not the bytes, is what counts', async () => {
    const rotating = createCodec(
      createKeyRing({ keys: [KEY_1, KEY_2], sign: [KEY_1.kid, KEY_2.kid] }),
      'sender',
    );
    const wire = rotating.encode({ ...fullEnvelope(), epoch: epoch() });
    pair.transport.inject('room:1', wire);
    await settleIo();
    // The first signature still verifies, so the message is the same message: a replay.
    const altered = `${wire.slice(0, -1)}${wire.endsWith('A') ? 'B' : 'A'}`;
    await expectRejected(pair, 'room:1', altered, 'replay');
  });
});

describe('trace context from the wire', () => {
  let rig: TraceRig;
  let pair: Pair;
  const PROCESS = 'process room:{roomId}';
  const BOGUS_TRACE = 'ab'.repeat(16);
  beforeAll(async () => {
    installContextManager();
    rig = traceRig();
    pair = await startPair({
      receiver: { instrumentation: otelInstrumentation({ tracerProvider: rig.provider }) },
    });
  });
  afterAll(() => pair.stop());

  /** Injects a correctly signed message; checks it is delivered quickly; returns its consumer span. */
  async function deliverSigned(extra: Partial<EnvelopeFields>) {
    const fields = { ...fullEnvelope(), epoch: epoch(), ...extra };
    const before = pair.handled.length;
    const started = performance.now();
    expect(() => pair.transport.inject('room:1', sender.encode(fields))).not.toThrow();
    expect(performance.now() - started).toBeLessThan(MAX_MS);
    await settleIo();
    expect(pair.handled).toHaveLength(before + 1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const id = `sender:${fields.epoch}:1`;
    const [span] = await rig.waitFor(
      (s) => s.name === PROCESS && s.attributes['messaging.message.id'] === id,
    );
    return { span: span!, message: pair.handled.at(-1) as Message };
  }

  it('refuses a traceparent swapped into a signed message as bad_signature', async () => {
    const wire = sender.encode({ ...fullEnvelope(), epoch: epoch() });
    const bogus = `00-${BOGUS_TRACE}-${'cd'.repeat(8)}-01`;
    const swapped = wire.replace(/"00-[0-9a-f]{32}-[0-9a-f]{16}-01"/, JSON.stringify(bogus));
    expect(swapped).not.toBe(wire);
    await expectRejected(pair, 'room:1', swapped, 'bad_signature');
  });

  it.each([
    ['garbage', 'not a traceparent'],
    ['10 KB long', `00-${BOGUS_TRACE}-${'cd'.repeat(8)}-01${'x'.repeat(10 * 1024)}`],
    ['all-zero ids', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`],
  ])(
    'delivers a correctly signed message with a %s traceparent, in a new trace with no bogus parent',
    async (_what, traceparent) => {
      const { span, message } = await deliverSigned({ traceparent });
      expect(message.meta.traceparent).toBe(traceparent);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.links).toEqual([]);
      expect(span.spanContext().traceId).not.toBe(BOGUS_TRACE);
    },
  );

  it('delivers a correctly signed message with a 10 KB tracestate, dropping the tracestate from the trace', async () => {
    const tracestate = `big=${'x'.repeat(10 * 1024)}`;
    const { span, message } = await deliverSigned({ tracestate });
    expect(message.meta.tracestate).toBe(tracestate);
    expect(span.parentSpanContext?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.traceState).toBeUndefined();
    expect(span.spanContext().traceState).toBeUndefined();
  });
});

/** Messages other software might put on a shared channel (mqemitter-redis, plain JSON, binary). */
const FOREIGN: readonly (string | Uint8Array)[] = [
  '{"topic":"room:1","payload":{"text":"hi"}}',
  '{"topic":"room:1","payload":{"__proto__":{"polluted":true}}}',
  '{"payload":"eyJ9","signatures":[{"protected":"eyJ9","signature":""}]}',
  'PING',
  '',
  ' '.repeat(1000),
  '[[[[[[[[[[[[[[[[[[[[',
  '"just a string"',
  'eyJhbGciOiJub25lIn0.eyJ0b3BpYyI6InJvb206MSJ9.',
  new Uint8Array([0x82, 0xa5, 0x74, 0x6f, 0x70, 0x69, 0x63, 0xa6]),
  new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  new Uint8Array(0),
];

describe('foreign, non-Herald messages on a shared channel', () => {
  it('are each counted and ignored, 1,000 in a burst, and the bus keeps delivering', async () => {
    const pair = await startPair();
    try {
      const before = pair.receiver.stats();
      let slowest = 0;
      let again = 0;
      const timed = (input: string | Uint8Array): number => {
        const started = performance.now();
        expect(() => pair.transport.inject('room:1', input)).not.toThrow();
        return performance.now() - started;
      };
      for (let i = 0; i < 1000; i++) {
        const input = FOREIGN[i % FOREIGN.length]!;
        let ms = timed(input);
        // A pause of the machine is not the input's doing: a slow input is slow twice.
        if (ms >= MAX_MS) {
          ms = timed(input);
          again++;
        }
        slowest = Math.max(slowest, ms);
      }
      await settleIo();
      const after = pair.receiver.stats();
      expect(after.rejectedTotal - before.rejectedTotal).toBe(1000 + again);
      expect(after.rejected.malformed - before.rejected.malformed).toBe(1000 + again);
      expect(slowest).toBeLessThan(MAX_MS);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(pair.handled).toEqual([]);
      expect((await pair.roundTrip('still here')).payload).toEqual({ text: 'still here' });
    } finally {
      await pair.stop();
    }
  });

  it.skipIf(!redis.ok)(
    'published raw on the real Redis channel, are counted and ignored without a crash loop',
    async () => {
      const prefix = `herald-test:foreign:${Date.now()}:`;
      const make = (nodeId: string) =>
        createBus({
          registry,
          keys: { keys: [KEY_1] },
          transport: redisTransport({ url: redis.url, prefix }),
          nodeId,
        });
      const a = make('a');
      const b = make('b');
      const raw = new Redis(redis.url);
      raw.on('error', () => undefined);
      try {
        await a.start();
        await b.start();
        const got: Message[] = [];
        await b.subscribe('room:1', (m) => void got.push(m));
        for (let i = 0; i < 500; i++) {
          const m = FOREIGN[i % FOREIGN.length]!;
          await raw.publish(`${prefix}room:1`, typeof m === 'string' ? m : Buffer.from(m));
        }
        await a.broadcast('room:1', 'message', { text: 'after the garbage' });
        const deadline = Date.now() + 5000;
        while (got.length === 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(got.map((m) => m.payload)).toEqual([{ text: 'after the garbage' }]);
        expect(b.stats().rejected.malformed).toBe(500);
        expect(b.transport().state).toBe('connected');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      } finally {
        raw.disconnect();
        await Promise.all([a.stop(), b.stop()]);
      }
    },
  );
});
