/**
 * The structural scan as it was before keys were compared in place (commit 955777b): every key
 * unescaped and kept in a Set per object. Frozen here as the oracle of the differential property
 * test in json-guard.property.test.ts; the scan in src must give its verdict on every input.
 */
import type { JsonProblem } from '../../src/security/json-guard.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * Scans `text` and returns the first problem, or undefined when it may be parsed.
 * @param maxDepth deepest nesting of objects and arrays allowed.
 */
export function referenceScan(text: string, maxDepth: number): JsonProblem | undefined {
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
