/**
 * A single-pass structural scan of untrusted JSON text, run before `JSON.parse`.
 *
 * `JSON.parse` accepts duplicate keys (the last one wins, while other parsers keep the first —
 * the classic interop attack, RFC 8259 §4), creates own `__proto__` properties that a later
 * `Object.assign` turns into prototype pollution, and builds arbitrarily deep trees that recursive
 * code downstream overflows on. This scan rejects all three in linear time and constant stack,
 * without building the tree. It does not check full JSON grammar; `JSON.parse` does that next.
 */

/** Why a JSON text was refused by {@link scanJson}. */
export type JsonProblem = 'too_deep' | 'duplicate_key' | 'forbidden_key' | 'malformed';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
/** Keys of one object compared pairwise; past this many, in a set. */
const SMALL_OBJECT = 16;

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
  // Per open container: -1 for an array, else where its keys start in keyStart/keyLength.
  const frames: number[] = [];
  const sets: (Set<string> | undefined)[] = [];
  // True for an object that is the value of a "constructor" key.
  const underConstructor: boolean[] = [];
  const keyStart: number[] = [];
  const keyLength: number[] = [];
  let keys = 0;
  let depth = 0;
  // Within an object: true when the next string is a key.
  let expectKey = false;
  // The last key, while a value may still follow it (-1: none).
  let lastKey = -1;
  let lastLength = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      if (!expectKey || depth === 0) {
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
      const length = i - start;
      if (length === 9 && text.startsWith('__proto__', start)) return 'forbidden_key';
      if (length === 9 && underConstructor[depth - 1] && text.startsWith('prototype', start))
        return 'forbidden_key';
      const set = sets[depth - 1];
      if (set !== undefined) {
        const key = text.slice(start, i);
        if (set.has(key)) return 'duplicate_key';
        set.add(key);
      } else {
        const from = frames[depth - 1]!;
        for (let j = from; j < keys; j++) {
          if (keyLength[j] === length && sameText(text, keyStart[j]!, start, length))
            return 'duplicate_key';
        }
        keyStart[keys] = start;
        keyLength[keys] = length;
        keys++;
        if (keys - from >= SMALL_OBJECT) {
          const big = new Set<string>();
          for (let j = from; j < keys; j++) {
            big.add(text.slice(keyStart[j]!, keyStart[j]! + keyLength[j]!));
          }
          sets[depth - 1] = big;
          keys = from;
        }
      }
      lastKey = start;
      lastLength = length;
      expectKey = false;
      continue;
    }
    switch (c) {
      case OPEN_OBJECT:
        if (++depth > maxDepth) return 'too_deep';
        underConstructor[depth - 1] =
          lastKey >= 0 &&
          !expectKey &&
          lastLength === 11 &&
          text.startsWith('constructor', lastKey);
        frames[depth - 1] = keys;
        sets[depth - 1] = undefined;
        expectKey = true;
        lastKey = -1;
        break;
      case OPEN_ARRAY:
        if (++depth > maxDepth) return 'too_deep';
        underConstructor[depth - 1] = false;
        frames[depth - 1] = -1;
        expectKey = false;
        lastKey = -1;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth === 0) return 'malformed';
        depth--;
        // The keys of a closed object are forgotten; its parent's are below them.
        if (frames[depth]! >= 0) keys = frames[depth]!;
        expectKey = false;
        lastKey = -1;
        break;
      case COMMA:
        // After a comma, an object expects a key again; an array does not.
        expectKey = depth > 0 && frames[depth - 1]! >= 0;
        lastKey = -1;
        break;
      case COLON:
        break;
      default:
        // Any scalar after a key's colon ends that key's "constructor" context.
        if (c > 0x20) lastKey = -1;
    }
  }
  return depth === 0 ? undefined : 'malformed';
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
 * The scan with each key unescaped and kept in a set: {@link scanJson} hands it texts whose keys
 * hold an escape, so every key is compared by its value (`"\u005f_proto__"` is `__proto__`).
 */
function scanWithKeySets(text: string, maxDepth: number): JsonProblem | undefined {
  // One frame per open object: its keys so far, and whether it is the value of a
  // "constructor" key (then a "prototype" key inside it is refused: constructor.prototype).
  const keys: (Set<string> | null)[] = [];
  const underConstructor: boolean[] = [];
  let depth = 0;
  // Within an object: true when the next string is a key.
  let expectKey = false;
  let lastKey = '';
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      i++;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        } else if (d === QUOTE) break;
      }
      if (i >= n) return 'malformed';
      if (expectKey && depth > 0) {
        let key = text.slice(start, i);
        if (escaped) {
          try {
            key = JSON.parse(text.slice(start - 1, i + 1)) as string;
          } catch {
            return 'malformed';
          }
        }
        if (key === '__proto__') return 'forbidden_key';
        if (key === 'prototype' && underConstructor[depth - 1]) return 'forbidden_key';
        let seen = keys[depth - 1];
        if (seen === null || seen === undefined) {
          seen = new Set();
          keys[depth - 1] = seen;
        }
        if (seen.has(key)) return 'duplicate_key';
        seen.add(key);
        lastKey = key;
        expectKey = false;
      }
      continue;
    }
    switch (c) {
      case OPEN_OBJECT:
        if (++depth > maxDepth) return 'too_deep';
        underConstructor[depth - 1] = lastKey === 'constructor' && !expectKey;
        keys[depth - 1] = null;
        expectKey = true;
        lastKey = '';
        break;
      case OPEN_ARRAY:
        if (++depth > maxDepth) return 'too_deep';
        underConstructor[depth - 1] = false;
        keys[depth - 1] = undefined as unknown as null;
        expectKey = false;
        lastKey = '';
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth === 0) return 'malformed';
        depth--;
        expectKey = false;
        lastKey = '';
        break;
      case COMMA:
        // After a comma, an object expects a key again; an array does not.
        expectKey = depth > 0 && keys[depth - 1] !== undefined;
        lastKey = '';
        break;
      case COLON:
        break;
      default:
        // Any scalar after a key's colon ends that key's "constructor" context.
        if (c > 0x20 && lastKey !== '') lastKey = '';
    }
  }
  return depth === 0 ? undefined : 'malformed';
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
