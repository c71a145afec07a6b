/**
 * The structural scan against its oracle: `scanJson` (keys compared in place) must give the
 * verdict of the frozen key-set scan (json-guard.reference.ts) on every input, well-formed or not;
 * and the sender's shortcut `scanOwnJson` must agree with the full `scanJson` on every text that
 * `JSON.stringify` can write, including the ones with `__proto__` and `constructor.prototype`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson, scanOwnJson } from '../../src/security/json-guard.js';
import { referenceScan } from './json-guard.reference.js';

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

/** JSON texts written by hand, so keys can repeat, be escaped, and objects grow past 16 keys. */
const keyText = fc.oneof(
  {
    arbitrary: fc.constantFrom('a', 'b', 'ab', 'ba', 'constructor', 'prototype', '__proto__'),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(
      '\\u005f_proto__',
      'constructo\\u0072',
      'proto\\u0074ype',
      'a\\"',
      '\\\\',
    ),
    weight: 1,
  },
  {
    arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '_', '\\\\', '\\"'), maxLength: 4 }),
    weight: 2,
  },
);
const handJson: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('1', '"s"', 'null', '"{["', '"\\\\"', '"a\\"b"'),
    fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(keyText, tie('node')), { maxLength: 20 })
      .map((members) => `{${members.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
  ),
})).node;

/** Text that is mostly not JSON: the scan's characters, the dangerous names, and noise. */
const jsonish = fc
  .array(
    fc.oneof(
      fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', ' ', '1', 'a'),
      fc.constantFrom('"__proto__"', '"constructor"', '"prototype"', '"\\u005f_proto__"', '"a"'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('scanJson', () => {
  it('gives the key-set scan’s verdict on hand-written JSON with repeated and escaped keys', () => {
    fc.assert(
      fc.property(handJson, fc.integer({ min: 1, max: 8 }), (text, maxDepth) => {
        expect(scanJson(text, maxDepth)).toBe(referenceScan(text, maxDepth));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives the key-set scan’s verdict on objects of up to 40 keys, one maybe repeated', () => {
    // Mostly plain values, so the verdict is decided by this object's keys.
    const member = fc.tuple(
      fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 5 }),
      fc.oneof({ arbitrary: fc.constant('1'), weight: 4 }, { arbitrary: handJson, weight: 1 }),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(member, { selector: ([k]) => k, minLength: 10, maxLength: 40, size: 'max' }),
        fc.noBias(fc.nat()),
        fc.noBias(fc.nat()),
        fc.boolean(),
        (members, from, to, repeat) => {
          const list = [...members];
          if (repeat && list.length > 0)
            list.splice(to % (list.length + 1), 0, list[from % list.length]!);
          const text = `{${list.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
          expect(scanJson(text, 8)).toBe(referenceScan(text, 8));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('gives the key-set scan’s verdict on text that is not JSON', () => {
    fc.assert(
      fc.property(jsonish, fc.integer({ min: 1, max: 6 }), (text, maxDepth) => {
        expect(scanJson(text, maxDepth)).toBe(referenceScan(text, maxDepth));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives the key-set scan’s verdict on whatever JSON.stringify writes', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 12 }), (v, maxDepth) => {
        const text = JSON.stringify(v) ?? 'null';
        expect(scanJson(text, maxDepth)).toBe(referenceScan(text, maxDepth));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a repeated key in a small object, in a large one, and after a nested object', () => {
    const many = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(scanJson(`{"a":1,"b":2,"a":3}`, 4)).toBe('duplicate_key');
    expect(scanJson(`{${many},"k3":0}`, 4)).toBe('duplicate_key');

    expect(scanJson(`{${many},"k30":0}`, 4)).toBe('duplicate_key');
    expect(scanJson(`{${many},"k40":0}`, 4)).toBeUndefined();
    expect(scanJson(`{"a":{"b":1,"c":2},"b":{"a":1},"a":0}`, 4)).toBe('duplicate_key');
    expect(scanJson(`{"a":{"b":1},"b":{"b":1}}`, 4)).toBeUndefined();
    expect(scanJson(`{"ab":1,"ba":2,"a\\u0062":3}`, 4)).toBe('duplicate_key');
    expect(scanJson(`{"\\u005f_proto__":1}`, 4)).toBe('forbidden_key');
    expect(scanJson(`{"constructor":{"prototype":1}}`, 4)).toBe('forbidden_key');
    expect(scanJson(`{"constructor":1,"x":{"prototype":1}}`, 4)).toBeUndefined();
  });
});

describe('scanOwnJson, counting brackets', () => {
  it('takes the depth loop when strings hold more brackets than the limit', () => {
    expect(scanOwnJson(JSON.stringify({ a: '{{{{[[[[' }), 2)).toBeUndefined();
    expect(scanOwnJson(JSON.stringify({ a: { b: [[1]] }, c: '{{{{' }), 3)).toBe('too_deep');
    expect(scanOwnJson(JSON.stringify({ a: { b: [1] } }), 3)).toBeUndefined();
    expect(scanOwnJson(JSON.stringify({ a: { b: [[1]] } }), 3)).toBe('too_deep');
  });
});
