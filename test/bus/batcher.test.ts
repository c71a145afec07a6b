/**
 * The batcher on its own: how it sizes batches (a bound by UTF-16 units while far from the limit,
 * exact UTF-8 bytes near it), when it asks the limit, and how a transport's refusal reaches the
 * publishes of a batch.
 */
import { describe, expect, it } from 'vitest';
import { type BatchPort, createBatcher } from '../../src/bus/batcher.js';

/** A port that records each batch's items and sends them at once. */
function recorder(send: BatchPort['send'] = () => Promise.resolve()) {
  const batches: string[][] = [];
  const port: BatchPort = {
    encode: (items) => {
      batches.push([...items]);
      return `[${items.join(',')}]`;
    },
    send,
  };
  return { port, batches };
}

const bytes = (items: readonly string[]): number =>
  items.reduce((sum, item) => sum + Buffer.byteLength(item) + 1, 0);

describe('batcher', () => {
  it('cuts a batch of multi-byte items by their UTF-8 bytes, never over the limit', async () => {
    const { port, batches } = recorder();
    // 512 bytes of overhead: 1500 bytes for the items and their commas.
    const batcher = createBatcher(port, 1000, () => 2012);
    // 100 units, 300 UTF-8 bytes each: the unit bound alone would take 4 per batch, bytes allow 4.
    const wide = '€'.repeat(100);
    // 100 units, 100 bytes each: the unit bound would take 4, bytes allow 14.
    const narrow = 'a'.repeat(100);
    const items = [wide, wide, wide, wide, wide, narrow, narrow, narrow, ...Array(20).fill(narrow)];
    expect(batcher.first('c')).toBe(true);
    const done = items.map((item) => {
      expect(batcher.fits(item)).toBe(true);
      return batcher.add('c', item);
    });
    await Promise.all(done);
    expect(batches.flat()).toEqual(items);
    for (const batch of batches) expect(bytes(batch)).toBeLessThanOrEqual(1500);
    // Each batch but the last is full: the next item would not have fitted.
    for (let i = 0; i < batches.length - 1; i++) {
      const next = batches[i + 1]![0]!;
      expect(bytes(batches[i]!) + Buffer.byteLength(next) + 1).toBeGreaterThan(1500);
    }
  });

  it('counts an item that only the exact count lets fit', () => {
    const { port } = recorder();
    const batcher = createBatcher(port, 100, () => 1012);
    // 400 units: over 500 by the bound (1203), 401 bytes exact.
    expect(batcher.fits('a'.repeat(400))).toBe(true);
    expect(batcher.fits('€'.repeat(200))).toBe(false);
  });

  it('asks the limit once per tick', async () => {
    const { port } = recorder();
    let asked = 0;
    const batcher = createBatcher(port, 100, () => {
      asked++;
      return 100_000;
    });
    batcher.first('c');
    for (let i = 0; i < 10; i++) if (batcher.fits('x')) void batcher.add('c', 'x');
    expect(asked).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    batcher.first('c');
    expect(batcher.fits('x')).toBe(true);
    expect(asked).toBe(2);
  });

  it('rejects the publishes of a batch whose transport throws instead of rejecting', async () => {
    const { port } = recorder(() => {
      throw new Error('socket gone');
    });
    const batcher = createBatcher(port, 100, () => 100_000);
    batcher.first('c');
    const a = batcher.add('c', '1');
    const b = batcher.add('c', '2');
    await expect(a).rejects.toThrow('socket gone');
    await expect(b).rejects.toThrow('socket gone');
  });
});
