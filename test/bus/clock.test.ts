import { describe, expect, it } from 'vitest';
import { burstClock, REUSE } from '../../src/bus/clock.js';

describe('burstClock', () => {
  it('reads the clock once for up to REUSE callers in one synchronous stretch', () => {
    let reads = 0;
    const clock = burstClock(() => ++reads * 1000);
    const seen = Array.from({ length: REUSE * 2 + 1 }, () => clock());
    expect(reads).toBe(3);
    expect(seen.slice(0, REUSE)).toEqual(Array(REUSE).fill(1000));
    expect(seen.slice(REUSE, 2 * REUSE)).toEqual(Array(REUSE).fill(2000));
    expect(seen[2 * REUSE]).toBe(3000);
  });

  it('reads it again once the current microtasks have run', async () => {
    let reads = 0;
    const clock = burstClock(() => ++reads);
    expect([clock(), clock()]).toEqual([1, 1]);
    await Promise.resolve();
    await Promise.resolve();
    expect(clock()).toBe(2);
    await new Promise((r) => setTimeout(r, 1));
    expect(clock()).toBe(3);
  });

  it('never stamps later than the real clock', async () => {
    const clock = burstClock();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 100; i++) expect(clock()).toBeLessThanOrEqual(Date.now());
      await new Promise((r) => setTimeout(r, 1));
    }
  });
});
