/**
 * The lane keeps its arrays between rounds (src/bus/lane.ts): cleared entries, room kept up to a
 * bound, a larger burst's room let go. Whichever way a round ends, the next rounds deliver every
 * message in order, and no round sees a message of the one before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Bus, createBus, createLocalHub } from '../../src/index.js';
import { keys, registry, settle } from '../fixtures/registry.js';

type Defs = typeof registry.defs;
const buses: Bus<Defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

describe('the lane between rounds', () => {
  it('delivers bursts above and below the room it keeps, in order, each message once', async () => {
    const b = createBus({
      registry,
      keys,
      nodeId: 'room',
      transport: createLocalHub().transport(),
    });
    buses.push(b);
    await b.start();
    const got: number[] = [];
    await b.subscribe('room:1', (m) => void got.push((m.payload as { n: number }).n), {
      queue: { limit: 10_000 },
    });
    let n = 0;
    const expected: number[] = [];
    for (const burst of [3, 5000, 2, 4097, 1, 700]) {
      for (let i = 0; i < burst; i++, n++) {
        void b.broadcast('room:1', 'message', { text: 'x', n });
        expected.push(n);
      }
      await settle(0);
      expect(got).toEqual(expected);
    }
    expect(b.stats().delivered).toBe(n);
  });
});
