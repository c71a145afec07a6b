/**
 * The sender's shortcut `scanOwnJson` must agree with the full `scanJson` on every text that
 * `JSON.stringify` can write, including the ones with `__proto__` and `constructor.prototype`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson, scanOwnJson } from '../../src/security/json-guard.js';

/** JSON values, with the dangerous key names mixed into the keys. */
const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'a"b', '\\\\', 'x\\u005f'),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    ),
    fc.array(tie('node'), { maxLength: 4 }),
    fc
      .array(fc.tuple(key, tie('node')), { maxLength: 4 })
      // JSON.parse makes "__proto__" an own key, as an attacker's payload would have (a repeated
      // key keeps its last value).
      .map(
        (entries) =>
          JSON.parse(
            `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`,
          ) as unknown,
      ),
  ),
})).node;

describe('scanOwnJson', () => {
  it('gives the full scan’s verdict on whatever JSON.stringify writes, at every depth limit', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 12 }), (v, maxDepth) => {
        const text = JSON.stringify(v) ?? 'null';
        expect(scanOwnJson(text, maxDepth)).toBe(scanJson(text, maxDepth));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the forbidden keys and the depth on its own paths', () => {
    expect(scanOwnJson('{"a":{"__proto__":1}}', 8)).toBe('forbidden_key');
    expect(scanOwnJson('{"constructor":{"prototype":1}}', 8)).toBe('forbidden_key');
    expect(scanOwnJson('[[["x]]]"]]]', 3)).toBeUndefined();
    expect(scanOwnJson('[[[["x"]]]]', 3)).toBe('too_deep');
    expect(scanOwnJson('{"a":"\\"{{{{"}', 1)).toBeUndefined();
  });
});
