/**
 * Message ids (src/bus/ids.ts) are exactly `idPrefix + seq`, across every thousand boundary, for
 * large sequence numbers, and after the prefix changed (a restart).
 */
import { describe, expect, it } from 'vitest';
import type { BusContext } from '../../src/bus/context.js';
import { messageId, noIdHead } from '../../src/bus/ids.js';

const ctxWith = (idPrefix: string) => ({ idPrefix, idHead: noIdHead() }) as unknown as BusContext;

describe('messageId', () => {
  it('is idPrefix + seq for every sequence number in order', () => {
    const ctx = ctxWith('node-1:ep0ch:');
    for (let seq = 1; seq <= 25_000; seq++) expect(messageId(ctx, seq)).toBe(`node-1:ep0ch:${seq}`);
  });

  it('is idPrefix + seq out of order, far apart, and for large numbers', () => {
    const ctx = ctxWith('n:e:');
    const seqs = [1000, 999, 1, 1001, 10_000, 9_999, 100_001, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 7];
    for (const seq of [...seqs, Number.MAX_SAFE_INTEGER, 123_456_789_012, 1000]) {
      expect(messageId(ctx, seq)).toBe(`n:e:${seq}`);
    }
  });

  it('follows a new prefix within the same thousand', () => {
    const ctx = ctxWith('n:first:');
    expect(messageId(ctx, 5_001)).toBe('n:first:5001');
    (ctx as { idPrefix: string }).idPrefix = 'n:second:';
    expect(messageId(ctx, 5_002)).toBe('n:second:5002');
  });
});
