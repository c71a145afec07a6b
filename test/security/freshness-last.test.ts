/**
 * The freshness guard remembers the last publisher it checked (src/security/freshness.ts), so a
 * stream from one publisher skips the key and the map look-up. That shortcut must never outlive
 * the entry: an entry swept or evicted between two messages of the same publisher is gone for the
 * shortcut too, and the floor and lifetime rules apply exactly as without it.
 */
import { describe, expect, it } from 'vitest';
import { createFreshness } from '../../src/security/freshness.js';
import { RejectReason } from '../../src/security/reasons.js';

const MAX_PAST = 1_000;
const MAX_FUTURE = 100;
const T0 = 1_000_000;

function guard(maxPublishers: number) {
  const clock = { now: T0 };
  const freshness = createFreshness(
    { maxPastMs: MAX_PAST, maxFutureMs: MAX_FUTURE, maxPublishers },
    () => clock.now,
  );
  return { clock, freshness };
}

describe('the last publisher checked', () => {
  it('refuses a repeat of the same publisher’s message, back to back', () => {
    const { freshness } = guard(10);
    expect(freshness.check('a', 'e1', 1, T0)).toBeUndefined();
    expect(freshness.check('a', 'e1', 1, T0)).toBe(RejectReason.Replay);
    expect(freshness.check('a', 'e2', 1, T0)).toBeUndefined();
    expect(freshness.check('a', 'e1', 2, T0)).toBeUndefined();
    expect(freshness.check('a', 'e1', 2, T0)).toBe(RejectReason.Replay);
    expect(freshness.size).toBe(2);
  });

  it('is forgotten when its entry is evicted: the publisher meets the floor again', () => {
    const { freshness } = guard(1);
    expect(freshness.check('a', 'e', 1, T0 + 5)).toBeUndefined();
    // b evicts a, and the floor rises to the newest time a accepted.
    expect(freshness.check('b', 'e', 1, T0 + 6)).toBeUndefined();
    expect(freshness.evictions).toBe(1);
    expect(freshness.floor).toBe(T0 + 5);
    expect(freshness.check('a', 'e', 2, T0 + 5)).toBe(RejectReason.Replay);
    expect(freshness.check('a', 'e', 1, T0 + 4)).toBe(RejectReason.Replay);
    // Above the floor, a gets a new entry (evicting b), and that entry is the one checked next.
    expect(freshness.check('a', 'e', 3, T0 + 7)).toBeUndefined();
    expect(freshness.check('a', 'e', 3, T0 + 7)).toBe(RejectReason.Replay);
    expect(freshness.evictions).toBe(2);
    expect(freshness.floor).toBe(T0 + 6);
    expect(freshness.check('b', 'e', 2, T0 + 6)).toBe(RejectReason.Replay);
  });

  it('is forgotten when the sweep inside its own check drops its entry', () => {
    const { clock, freshness } = guard(10);
    expect(freshness.check('a', 'e', 5, T0)).toBeUndefined();
    expect(freshness.size).toBe(1);
    clock.now = T0 + 20_000;
    // The sweep of this very check forgets a's idle entry: seq 5 (in the window again) starts a
    // new entry instead of meeting the old bitmap, and the new entry is tracked.
    expect(freshness.check('a', 'e', 5, clock.now)).toBeUndefined();
    expect(freshness.size).toBe(1);
    expect(freshness.check('a', 'e', 5, clock.now)).toBe(RejectReason.Replay);
  });
});
