/**
 * The receiver's parse (src/security/json-parse.ts: `JSON.parse`, then a check of the tree)
 * against what it replaces, the structural scan then `JSON.parse`: the same verdict and the
 * same value on every input — repeated, escaped and forbidden keys, colons inside keys and
 * values, whitespace around colons, depth at and past the limit, and text that is not JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson } from '../../src/security/json-guard.js';
import { type ParsedJson, parseJson, TREE_CHECK_MAX } from '../../src/security/json-parse.js';

/** The verdict of the scan, then JSON.parse (docs/wire-format.md §7 step 6). */
function scanThenParse(text: string, maxDepth: number): ParsedJson {
  const problem = scanJson(text, maxDepth);
  if (problem !== undefined) return { ok: false, problem };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: 'malformed' };
  }
}

const keyText = fc.oneof(
  {
    arbitrary: fc.constantFrom('a', 'b', 'a:', ':', 'a:b', 'constructor', 'prototype', '__proto__'),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom('\\u005f_proto__', 'a\\u003a', '\\u003a', 'a\\"', '\\\\', 'a\\/'),
    weight: 1,
  },
  {
    arbitrary: fc.string({ unit: fc.constantFrom('a', ':', '\\\\', '\\"'), maxLength: 4 }),
    weight: 2,
  },
);
const colon = fc.constantFrom(':', ' :', ': ', ' : ');
const json: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('1', '"s"', 'null', '":"', '"a:b:"', '"\\u003a"', '"{[:"', '"a\\":"'),
    fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(keyText, colon, tie('node')), { maxLength: 8 })
      .map((members) => `{${members.map(([k, c, v]) => `"${k}"${c}${v}`).join(',')}}`),
  ),
})).node;

/** Mostly not JSON. */
const jsonish = fc
  .array(
    fc.oneof(
      fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', ' ', '1', 'a'),
      fc.constantFrom('"__proto__"', '"constructor"', '"prototype"', '"a"', '":"'),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('parseJson', () => {
  it('gives the scan-then-parse verdict and value on hand-written JSON', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 1, max: 8 }), (text, maxDepth) => {
        expect(parseJson(text, maxDepth)).toEqual(scanThenParse(text, maxDepth));
      }),
      { numRuns: 8000 },
    );
  });

  it('gives the scan-then-parse verdict on text that is not JSON', () => {
    fc.assert(
      fc.property(jsonish, fc.integer({ min: 1, max: 6 }), (text, maxDepth) => {
        expect(parseJson(text, maxDepth)).toEqual(scanThenParse(text, maxDepth));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses a repeated key that colons inside strings would hide from a count', () => {
    // Two members of one name: the tree keeps one; the colon in "a:b" is in a string.
    expect(parseJson('{"k":"a:b","k":1}', 4)).toEqual({ ok: false, problem: 'duplicate_key' });
    expect(parseJson('{"k:":1,"k:":2}', 4)).toEqual({ ok: false, problem: 'duplicate_key' });
    expect(parseJson('{"k" : 1, "k" :2}', 4)).toEqual({ ok: false, problem: 'duplicate_key' });
    // An escaped colon in a string may not pay for a lost member: the text goes to the scan.
    expect(parseJson('{"k":"\\u003a","k":1}', 4)).toEqual({ ok: false, problem: 'duplicate_key' });
    expect(parseJson('{"k":"a:b","j":1}', 4)).toEqual({ ok: true, value: { k: 'a:b', j: 1 } });
  });

  it('refuses a repeated key while Object.prototype has an enumerable key', () => {
    // An inherited key would count as a member of every object and pay for a lost one.
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 'x';
    try {
      expect(parseJson('{"a":1,"a":2}', 4)).toEqual({ ok: false, problem: 'duplicate_key' });
      expect(parseJson('{"a":1,"b":2}', 4)).toEqual({ ok: true, value: { a: 1, b: 2 } });
    } finally {
      delete proto.polluted;
    }
  });

  it('refuses forbidden keys and depth, first problem in text order', () => {
    expect(parseJson('{"__proto__":1}', 4)).toEqual({ ok: false, problem: 'forbidden_key' });
    expect(parseJson('{"constructor":{"prototype":1}}', 4)).toEqual({
      ok: false,
      problem: 'forbidden_key',
    });
    expect(parseJson('{"constructor":[{"prototype":1}]}', 4).ok).toBe(true);
    expect(parseJson('[[[1]]]', 3).ok).toBe(true);
    expect(parseJson('[[[[1]]]]', 3)).toEqual({ ok: false, problem: 'too_deep' });
    expect(parseJson('[[[[{"a":1,"a":2}]]]]', 3)).toEqual({ ok: false, problem: 'too_deep' });
    expect(parseJson('[{"a":1,"a":2},[[[1]]]]', 3)).toEqual({
      ok: false,
      problem: 'duplicate_key',
    });
    expect(parseJson('[{"a":1,"a":2}', 3)).toEqual({ ok: false, problem: 'duplicate_key' });
    expect(parseJson('[1,', 3)).toEqual({ ok: false, problem: 'malformed' });
  });

  it('scans a text longer than the tree check takes before parsing it', () => {
    const deep = `${'['.repeat(TREE_CHECK_MAX)}${']'.repeat(TREE_CHECK_MAX)}`;
    expect(parseJson(deep, 34)).toEqual({ ok: false, problem: 'too_deep' });
    const long = JSON.stringify([{ a: 'x'.repeat(TREE_CHECK_MAX), b: 'y:' }]);
    expect(parseJson(long, 34)).toEqual({ ok: true, value: JSON.parse(long) });
    const repeated = `[{"a":"${'x'.repeat(TREE_CHECK_MAX)}","a":1}]`;
    expect(parseJson(repeated, 34)).toEqual({ ok: false, problem: 'duplicate_key' });
  });
});
