/**
 * Property tests of the receive path through the public API: two buses on an isolated local hub,
 * the receiver's transport handing its sink to the test. Random bytes, random text and mutated
 * valid messages are injected on random channels; none may reach a handler, each must be counted
 * exactly once as a rejection, nothing may throw, and valid traffic keeps flowing afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, startPair } from '../security/harness.js';

const channel = fc.oneof(
  fc.constantFrom('room:1', 'feed:main', '$node:receiver', 'room:2'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('a bus fed hostile bytes through its transport', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => {
    await pair.stop();
  });

  /** Injects one input and checks it was counted once as a rejection and accepted nowhere. */
  function injectOne(where: string, data: string | Uint8Array): void {
    const before = pair.receiver.stats();
    expect(() => pair.transport.inject(where, data)).not.toThrow();
    const after = pair.receiver.stats();
    expect(after.rejectedTotal).toBe(before.rejectedTotal + 1);
    expect(after.received).toBe(before.received);
    expect(after.echoes).toBe(before.echoes);
  }

  it('never calls a handler for random bytes and counts every one as rejected', async () => {
    const start = pair.receiver.stats().rejectedTotal;
    fc.assert(
      fc.property(channel, fc.uint8Array({ maxLength: 400 }), (where, bytes) => {
        injectOne(where, bytes);
      }),
      { numRuns: 2000 },
    );
    await pair.settle();
    expect(pair.handled).toHaveLength(0);
    expect(pair.receiver.stats().rejectedTotal - start).toBe(2000);
  });

  it('never calls a handler for random text and counts every one as rejected', async () => {
    const start = pair.receiver.stats().rejectedTotal;
    fc.assert(
      fc.property(channel, fc.string({ unit: 'binary', maxLength: 400 }), (where, text) => {
        injectOne(where, text);
      }),
      { numRuns: 2000 },
    );
    await pair.settle();
    expect(pair.handled).toHaveLength(0);
    expect(pair.receiver.stats().rejectedTotal - start).toBe(2000);
  });

  it('never calls a handler for mutated or replayed copies of delivered messages', async () => {
    const originals: string[] = [];
    for (let i = 0; i < 20; i++) {
      const message = await pair.roundTrip(`message ${i}`);
      expect(message.payload).toEqual({ text: `message ${i}` });
      const last = pair.transport.received.at(-1);
      if (typeof last?.data === 'string') originals.push(last.data);
    }
    expect(originals).toHaveLength(20);
    const delivered = pair.handled.length;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...originals),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        (wire, at, bit, asBytes) => {
          const i = at % wire.length;
          const mutated =
            wire.slice(0, i) +
            String.fromCharCode(wire.charCodeAt(i) ^ (1 << bit)) +
            wire.slice(i + 1);
          injectOne('room:1', asBytes ? new Uint8Array(Buffer.from(mutated, 'latin1')) : mutated);
          runs++;
        },
      ),
      { numRuns: 1000 },
    );
    for (const wire of originals) injectOne('room:1', wire);
    await pair.settle();
    expect(runs).toBe(1000);
    expect(pair.handled).toHaveLength(delivered);
    expect(pair.receiver.stats().rejected.replay).toBeGreaterThanOrEqual(originals.length);
  });

  it('still delivers valid messages after all of it', async () => {
    const message = await pair.roundTrip('after the storm');
    expect(message.payload).toEqual({ text: 'after the storm' });
    expect(message.meta.node).toBe('sender');
    const rejected = pair.receiver.stats().rejected;
    expect(rejected.malformed).toBeGreaterThan(0);
    expect(rejected.bad_signature).toBeGreaterThan(0);
  });
});
