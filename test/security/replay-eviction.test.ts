/**
 * The replay-cache eviction attack, through the public API: a holder of a valid key floods a
 * receiver with fresh (node, epoch) pairs until the honest publisher's window is evicted, then
 * replays a captured message of that publisher while it is still inside `maxPastMs`. The floor
 * left by the eviction refuses it as `replay`; the honest publisher keeps being delivered.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  expectRejected,
  forgedPayload,
  type Pair,
  settleIo,
  signCompact,
  startPair,
} from './harness.js';

const MAX_PUBLISHERS = 4;
let pair: Pair | undefined;
afterEach(async () => {
  await pair?.stop();
  pair = undefined;
});

describe('evicting a publisher from the replay cache', () => {
  it('does not reopen its captured messages to a replay inside the time window', async () => {
    const clock = { now: 1_700_000_000_000 };
    const now = (): number => clock.now;
    pair = await startPair({
      senderNow: now,
      receiver: { now, freshness: { maxPublishers: MAX_PUBLISHERS } },
    });
    const p = pair;

    // The honest sender publishes; the attacker captures the bytes off the channel.
    await p.roundTrip('pay 100 to alice');
    const captured = p.transport.received.filter((m) => m.channel === 'room:1').at(-1)?.data;
    if (captured === undefined) throw new Error('nothing captured on room:1');
    await expectRejected(p, 'room:1', captured, 'replay');

    // A key holder signs one valid message under each of many fresh (node, epoch) pairs.
    const handledBefore = p.handled.length;
    for (let i = 0; i < MAX_PUBLISHERS; i++) {
      clock.now += 10;
      const payload = forgedPayload({ epoch: randomBytes(8).toString('hex'), time: clock.now });
      p.transport.inject('room:1', signCompact(payload, { nid: 'mallory' }));
    }
    await settleIo();
    expect(p.handled.length).toBe(handledBefore + MAX_PUBLISHERS);
    expect(p.receiver.stats().replayEvictions).toBeGreaterThan(0);

    // 40 ms later, far inside the 60 s past window, the captured message comes back.
    await expectRejected(p, 'room:1', captured, 'replay');
    expect(p.rejections.at(-1)?.node).toBe('sender');

    // The honest sender is not locked out: its next message is newer than the floor.
    clock.now += 10;
    const next = await p.roundTrip('pay 5 to bob');
    expect(next.payload).toEqual({ text: 'pay 5 to bob' });
    // Tracked again, under a new entry whose bitmap never saw the first message: still refused.
    await expectRejected(p, 'room:1', captured, 'replay');
    expect(p.handled.filter((m) => m.meta.node === 'sender')).toHaveLength(2);
  });
});
