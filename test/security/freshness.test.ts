/**
 * The local replay cache (src/security/freshness.ts) on an injected clock: the `maxPublishers`
 * bound and which entry it evicts, the expiry of entries `maxPastMs + maxFutureMs` after their
 * last message, and the floor an eviction leaves behind so that an evicted publisher's messages
 * cannot be replayed inside the time window.
 */
import { describe, expect, it } from 'vitest';
import {
  createFreshness,
  type FreshnessOptions,
  replayTtlMs,
} from '../../src/security/freshness.js';

const MAX_PAST = 1_000;
const MAX_FUTURE = 100;
const TTL = MAX_PAST + MAX_FUTURE;
const T0 = 1_000_000;

/** A freshness guard on a clock the test moves by hand. */
function guard(options: FreshnessOptions = {}) {
  const clock = { now: T0 };
  const freshness = createFreshness(
    { maxPastMs: MAX_PAST, maxFutureMs: MAX_FUTURE, ...options },
    () => clock.now,
  );
  return { clock, freshness };
}

describe('the maxPublishers bound', () => {
  it('never tracks more than maxPublishers publishers and counts each eviction', () => {
    const { clock, freshness } = guard({ maxPublishers: 3 });
    for (let i = 0; i < 10; i++) {
      clock.now++;
      expect(freshness.check('n', `e${i}`, 1, clock.now)).toBeUndefined();
      expect(freshness.size).toBe(Math.min(i + 1, 3));
    }
    expect(freshness.evictions).toBe(7);
  });

  it('evicts the least recently seen publisher, not the oldest one', () => {
    const { clock, freshness } = guard({ maxPublishers: 2 });
    const tA = clock.now;
    expect(freshness.check('a', 'e', 1, tA)).toBeUndefined();
    clock.now += 10;
    const tB = clock.now;
    expect(freshness.check('b', 'e', 1, tB)).toBeUndefined();
    clock.now += 10;
    // `a` is heard again (seq 3: seq 2 is late), so `b` is now the least recently seen.
    expect(freshness.check('a', 'e', 3, clock.now)).toBeUndefined();
    clock.now += 10;
    expect(freshness.check('c', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.evictions).toBe(1);
    expect(freshness.floor).toBe(tB);
    // `a` is still tracked: its late seq 2, timed before the floor, is not a replay.
    expect(freshness.check('a', 'e', 2, tA + 1)).toBeUndefined();
    // `b` was evicted: its seq 1 is refused even though no entry remembers it.
    expect(freshness.check('b', 'e', 1, tB)).toBe('replay');
    expect(freshness.size).toBe(2);
  });

  it('defaults to 10,000 publishers', () => {
    const { clock, freshness } = guard();
    for (let i = 0; i < 10_001; i++) freshness.check('n', `e${i}`, 1, clock.now);
    expect(freshness.size).toBe(10_000);
    expect(freshness.evictions).toBe(1);
  });
});

describe('expiry after maxPastMs + maxFutureMs', () => {
  it('uses maxPastMs + maxFutureMs as the lifetime of an entry', () => {
    expect(replayTtlMs({ maxPastMs: MAX_PAST, maxFutureMs: MAX_FUTURE })).toBe(TTL);
    expect(replayTtlMs()).toBe(65_000);
  });

  it('forgets an idle publisher at the first sweep after its lifetime, without an eviction', () => {
    const { clock, freshness } = guard();
    expect(freshness.check('a', 'e', 1, clock.now)).toBeUndefined();
    clock.now = T0 + TTL;
    expect(freshness.check('b', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.size).toBe(2);
    clock.now = T0 + 2 * TTL + 1;
    expect(freshness.check('c', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.size).toBe(1);
    expect(freshness.evictions).toBe(0);
    expect(freshness.floor).toBe(Number.NEGATIVE_INFINITY);
  });

  it('keeps refusing a replay clocked at the edge of the future window until its entry expires', () => {
    const { clock, freshness } = guard({ maxPublishers: 1 });
    const time = T0 + MAX_FUTURE;
    expect(freshness.check('a', 'e', 1, time)).toBeUndefined();
    // The last instant the message is inside the past window: the entry must still be there,
    // even when a new publisher needs its slot (that one is then an eviction, counted).
    clock.now = T0 + TTL;
    expect(freshness.check('a', 'e', 1, time)).toBe('replay');
    expect(freshness.check('b', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.evictions).toBe(1);
    expect(freshness.check('a', 'e', 1, time)).toBe('replay');
    // One ms later the message is expired whatever the cache holds.
    clock.now = T0 + TTL + 1;
    expect(freshness.check('a', 'e', 1, time)).toBe('expired');
  });

  it('frees an expired entry instead of evicting a live one when the cache is full', () => {
    const { clock, freshness } = guard({ maxPublishers: 2 });
    expect(freshness.check('a', 'e', 1, clock.now)).toBeUndefined();
    // A sweep runs here (every `min(ttl, 10 s)`); `a` is not expired yet and the next sweep is
    // a whole lifetime away, so only the full cache can notice that `a` expires 1 ms later.
    clock.now = T0 + TTL;
    expect(freshness.check('b', 'e', 1, clock.now)).toBeUndefined();
    clock.now = T0 + TTL + 1;
    expect(freshness.check('c', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.evictions).toBe(0);
    expect(freshness.floor).toBe(Number.NEGATIVE_INFINITY);
    expect(freshness.size).toBe(2);
    // `b` survived: its first message is still a replay.
    expect(freshness.check('b', 'e', 1, T0 + TTL)).toBe('replay');
  });

  it('does not forget a publisher that exactly reaches its lifetime when the cache is full', () => {
    const { clock, freshness } = guard({ maxPublishers: 1 });
    expect(freshness.check('a', 'e', 1, clock.now)).toBeUndefined();
    clock.now = T0 + TTL;
    expect(freshness.check('b', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.evictions).toBe(1);
    expect(freshness.floor).toBe(T0);
  });
});

describe('the floor left by an eviction', () => {
  /** An honest publisher `h` that sent seq 1–3, then two fresh (node, epoch) pairs of an attacker. */
  function evicted() {
    const g = guard({ maxPublishers: 2 });
    const times: number[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      g.clock.now += 5;
      times.push(g.clock.now);
      expect(g.freshness.check('h', 'e', seq, g.clock.now)).toBeUndefined();
    }
    for (const epoch of ['x1', 'x2']) {
      g.clock.now += 5;
      expect(g.freshness.check('mallory', epoch, 1, g.clock.now)).toBeUndefined();
    }
    expect(g.freshness.evictions).toBe(1);
    return { ...g, times };
  }

  it('refuses a replay of an evicted publisher inside the time window', () => {
    const { freshness, times } = evicted();
    for (let seq = 1; seq <= 3; seq++) {
      expect(freshness.check('h', 'e', seq, times[seq - 1]!)).toBe('replay');
    }
    expect(freshness.size).toBe(2);
  });

  it('is the newest signed time the evicted publisher accepted, even ahead of the receiver clock', () => {
    const { clock, freshness } = guard({ maxPublishers: 1 });
    const ahead = T0 + MAX_FUTURE;
    expect(freshness.check('h', 'e', 1, ahead)).toBeUndefined();
    // An older message accepted late does not lower it.
    expect(freshness.check('h', 'e', 2, T0 - 500)).toBeUndefined();
    clock.now += 1;
    expect(freshness.check('x', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.floor).toBe(ahead);
    expect(freshness.check('h', 'e', 1, ahead)).toBe('replay');
    expect(freshness.check('y', 'e', 1, ahead)).toBe('replay');
    expect(freshness.check('y', 'e', 1, ahead + 1)).toBeUndefined();
  });

  it('still refuses old messages of a publisher that came back after its eviction', () => {
    const { clock, freshness, times } = evicted();
    clock.now += 5;
    // Its next message is newer than the floor: accepted, in a new entry.
    expect(freshness.check('h', 'e', 4, clock.now)).toBeUndefined();
    // The new entry's bitmap has never seen seq 1–3; the floor it started with refuses them.
    for (let seq = 1; seq <= 3; seq++) {
      expect(freshness.check('h', 'e', seq, times[seq - 1]!)).toBe('replay');
    }
    expect(freshness.check('h', 'e', 4, clock.now)).toBe('replay');
    expect(freshness.check('h', 'e', 5, clock.now)).toBeUndefined();
  });

  it('does not apply to publishers tracked since before the eviction', () => {
    const { clock, freshness } = guard({ maxPublishers: 2 });
    expect(freshness.check('a', 'e', 1, T0)).toBeUndefined();
    expect(freshness.check('t', 'e', 5, T0)).toBeUndefined();
    clock.now += 10;
    expect(freshness.check('t', 'e', 6, clock.now)).toBeUndefined();
    // `a` goes; `t` stays and still accepts its late seq 2–4, timed at the floor.
    expect(freshness.check('b', 'e', 1, clock.now)).toBeUndefined();
    expect(freshness.floor).toBe(T0);
    for (const seq of [2, 3, 4]) expect(freshness.check('t', 'e', seq, T0)).toBeUndefined();
  });

  it('refuses nothing before the first eviction', () => {
    const { clock, freshness } = guard({ maxPublishers: 2 });
    expect(freshness.floor).toBe(Number.NEGATIVE_INFINITY);
    expect(freshness.check('a', 'e', 1, clock.now - MAX_PAST)).toBeUndefined();
    expect(freshness.check('b', 'e', 1, clock.now - MAX_PAST)).toBeUndefined();
  });

  it('only rises, and a refused message creates no entry and evicts nothing', () => {
    const { clock, freshness } = guard({ maxPublishers: 1 });
    expect(freshness.check('a', 'e', 1, T0 + 50)).toBeUndefined();
    clock.now += 1;
    expect(freshness.check('b', 'e', 1, T0)).toBeUndefined();
    expect(freshness.floor).toBe(T0 + 50);
    clock.now += 1;
    expect(freshness.check('c', 'e', 1, clock.now + 60)).toBeUndefined();
    // Evicting `b` (newest T0) leaves the floor at T0 + 50.
    expect(freshness.floor).toBe(T0 + 50);
    expect(freshness.evictions).toBe(2);
    expect(freshness.check('d', 'e', 1, T0 + 50)).toBe('replay');
    expect(freshness.evictions).toBe(2);
    expect(freshness.size).toBe(1);
    expect(freshness.check('c', 'e', 1, clock.now + 60)).toBe('replay');
  });

  it('stops mattering once it falls out of the past window', () => {
    const { clock, freshness, times } = evicted();
    clock.now = times[2]! + MAX_PAST + 1;
    expect(freshness.check('h', 'e', 3, times[2]!)).toBe('expired');
    expect(freshness.check('n', 'e', 1, clock.now - MAX_PAST)).toBeUndefined();
  });
});
