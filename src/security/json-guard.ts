/**
 * A single-pass structural scan of untrusted JSON text, run before `JSON.parse`.
 *
 * `JSON.parse` accepts duplicate keys (the last one wins, while other parsers keep the first —
 * the classic interop attack, RFC 8259 §4), creates own `__proto__` properties that a later
 * `Object.assign` turns into prototype pollution, and builds arbitrarily deep trees that recursive
 * code downstream overflows on. This scan rejects all three in linear time and constant stack,
 * without building the tree. It does not check full JSON grammar; `JSON.parse` does that next.
 */

import { scanWithKeySets } from './json-key-sets.js';
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  type JsonProblem,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
} from './json-tokens.js';

export type { JsonProblem };

/** Keys of one object compared pairwise; past this many, in a set. */
const SMALL_OBJECT = 16;

/** The state of one {@link scanJson}: the open containers and the keys of the open objects. */
class KeyScan {
  // Per open container: -1 for an array, else where its keys start in keyStart/keyLength.
  readonly frames: number[] = [];
  readonly sets: (Set<string> | undefined)[] = [];
  // True for an object that is the value of a "constructor" key.
  readonly underConstructor: boolean[] = [];
  readonly keyStart: number[] = [];
  readonly keyLength: number[] = [];
  keys = 0;
  depth = 0;
  // Within an object: true when the next string is a key.
  expectKey = false;
  // The last key, while a value may still follow it (-1: none).
  lastKey = -1;
  lastLength = 0;
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}
}

/**
 * Scans `text` and returns the first problem, or undefined when it may be parsed.
 *
 * Keys are compared where they stand in the text, without building strings: by length, then
 * character by character against the keys of the same object, in a set only once an object
 * holds {@link SMALL_OBJECT} keys (so the compare stays linear in the text). A key that holds an
 * escape hands the whole text to {@link scanWithKeySets}, which compares unescaped keys: the
 * verdict is always that scan's (a differential property test holds it so on every input).
 * @param maxDepth deepest nesting of objects and arrays allowed.
 */
export function scanJson(text: string, maxDepth: number): JsonProblem | undefined {
  const s = new KeyScan(text, maxDepth);
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== QUOTE) {
      const problem = structure(s, c);
      if (problem !== undefined) return problem;
      continue;
    }
    const start = i + 1;
    if (!s.expectKey || s.depth === 0) {
      // A value: skip to its closing quote with native searches (long texts are values).
      i = closingQuote(text, start);
      if (i < 0) return 'malformed';
      continue;
    }
    let escaped = false;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i);
      if (d === BACKSLASH) {
        escaped = true;
        i++;
      } else if (d === QUOTE) break;
    }
    if (i >= n) return 'malformed';
    if (escaped) return scanWithKeySets(text, maxDepth);
    const problem = key(s, start, i - start);
    if (problem !== undefined) return problem;
  }
  return s.depth === 0 ? undefined : 'malformed';
}

/** One key of the innermost object, unescaped, `length` characters at `start`: checks, keeps it. */
function key(s: KeyScan, start: number, length: number): JsonProblem | undefined {
  const { text, depth } = s;
  if (length === 9 && text.startsWith('__proto__', start)) return 'forbidden_key';
  if (length === 9 && s.underConstructor[depth - 1] && text.startsWith('prototype', start))
    return 'forbidden_key';
  const set = s.sets[depth - 1];
  if (set !== undefined) {
    const value = text.slice(start, start + length);
    if (set.has(value)) return 'duplicate_key';
    set.add(value);
  } else {
    const from = s.frames[depth - 1]!;
    for (let j = from; j < s.keys; j++) {
      if (s.keyLength[j] === length && sameText(text, s.keyStart[j]!, start, length))
        return 'duplicate_key';
    }
    s.keyStart[s.keys] = start;
    s.keyLength[s.keys] = length;
    s.keys++;
    if (s.keys - from >= SMALL_OBJECT) toSet(s, from);
  }
  s.lastKey = start;
  s.lastLength = length;
  s.expectKey = false;
  return undefined;
}

/** The innermost object's keys, from `from`, move into a set: it holds SMALL_OBJECT of them. */
function toSet(s: KeyScan, from: number): void {
  const big = new Set<string>();
  for (let j = from; j < s.keys; j++) {
    big.add(s.text.slice(s.keyStart[j]!, s.keyStart[j]! + s.keyLength[j]!));
  }
  s.sets[s.depth - 1] = big;
  s.keys = from;
}

/** A character outside strings: opens or closes a container, separates, or is a scalar's. */
function structure(s: KeyScan, c: number): JsonProblem | undefined {
  switch (c) {
    case OPEN_OBJECT:
      if (++s.depth > s.maxDepth) return 'too_deep';
      s.underConstructor[s.depth - 1] =
        s.lastKey >= 0 &&
        !s.expectKey &&
        s.lastLength === 11 &&
        s.text.startsWith('constructor', s.lastKey);
      s.frames[s.depth - 1] = s.keys;
      s.sets[s.depth - 1] = undefined;
      s.expectKey = true;
      s.lastKey = -1;
      break;
    case OPEN_ARRAY:
      if (++s.depth > s.maxDepth) return 'too_deep';
      s.underConstructor[s.depth - 1] = false;
      s.frames[s.depth - 1] = -1;
      s.expectKey = false;
      s.lastKey = -1;
      break;
    case CLOSE_OBJECT:
    case CLOSE_ARRAY:
      if (s.depth === 0) return 'malformed';
      s.depth--;
      // The keys of a closed object are forgotten; its parent's are below them.
      if (s.frames[s.depth]! >= 0) s.keys = s.frames[s.depth]!;
      s.expectKey = false;
      s.lastKey = -1;
      break;
    case COMMA:
      // After a comma, an object expects a key again; an array does not.
      s.expectKey = s.depth > 0 && s.frames[s.depth - 1]! >= 0;
      s.lastKey = -1;
      break;
    case COLON:
      break;
    default:
      // Any scalar after a key's colon ends that key's "constructor" context.
      if (c > 0x20) s.lastKey = -1;
  }
  return undefined;
}

/**
 * Where the string that starts at `from` ends: its closing quote, the first one not escaped (an
 * odd run of backslashes before a quote escapes it); -1 when there is none.
 */
function closingQuote(text: string, from: number): number {
  let q = text.indexOf('"', from);
  while (q > 0 && text.charCodeAt(q - 1) === BACKSLASH) {
    let run = 1;
    while (q - run - 1 >= from && text.charCodeAt(q - run - 1) === BACKSLASH) run++;
    if (run % 2 === 0) break;
    q = text.indexOf('"', q + 1);
  }
  return q;
}

/** True when the `length` characters of `text` at `a` and at `b` are the same. */
function sameText(text: string, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++)
    if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

/**
 * The sender's check of JSON it produced itself with `JSON.stringify`, which never writes a key
 * twice in one object: only depth and the forbidden keys can be wrong. Text without `__proto__`
 * or `prototype` anywhere needs only a depth count (no key sets), and text with no more `{` and
 * `[` than `maxDepth` not even that; any other goes through {@link scanJson}, so the verdict is
 * always the full scan's.
 */
export function scanOwnJson(text: string, maxDepth: number): JsonProblem | undefined {
  if (text.includes('__proto__') || text.includes('prototype')) return scanJson(text, maxDepth);
  // No deeper than the number of `{` and `[` in the text, strings included: at most maxDepth of
  // them proves the depth without the character loop (native indexOf finds them).
  if (countUpTo(text, '{', maxDepth + 1) + countUpTo(text, '[', maxDepth + 1) <= maxDepth)
    return undefined;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return 'too_deep';
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return undefined;
}

/** Occurrences of `char` in `text`, counting stops at `limit`. */
function countUpTo(text: string, char: string, limit: number): number {
  let count = 0;
  for (let i = text.indexOf(char); i !== -1 && count < limit; i = text.indexOf(char, i + 1))
    count++;
  return count;
}
