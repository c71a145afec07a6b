/**
 * The JSON scan for texts whose keys hold an escape: each key unescaped and kept in a set, so
 * `"\u005f_proto__"` is `__proto__`. `scanJson` (json-guard.ts) hands such texts here.
 */
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

/** The state of one scan: per open object, its keys so far and its "constructor" context. */
class SetScan {
  // One frame per open object: its keys so far (undefined for an array), and whether it is the
  // value of a "constructor" key (then a "prototype" key inside it is refused).
  readonly keys: (Set<string> | null | undefined)[] = [];
  readonly underConstructor: boolean[] = [];
  depth = 0;
  // Within an object: true when the next string is a key.
  expectKey = false;
  lastKey = '';
}

/**
 * The scan with each key unescaped and kept in a set: `scanJson` hands it texts whose keys
 * hold an escape, so every key is compared by its value (`"\u005f_proto__"` is `__proto__`).
 */
export function scanWithKeySets(text: string, maxDepth: number): JsonProblem | undefined {
  const s = new SetScan();
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== QUOTE) {
      const problem = structure(s, c, maxDepth);
      if (problem !== undefined) return problem;
      continue;
    }
    const start = i + 1;
    let escaped = false;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i);
      if (d === BACKSLASH) {
        escaped = true;
        i++;
      } else if (d === QUOTE) break;
    }
    if (i >= n) return 'malformed';
    if (s.expectKey && s.depth > 0) {
      const problem = key(s, text, start, i, escaped);
      if (problem !== undefined) return problem;
    }
  }
  return s.depth === 0 ? undefined : 'malformed';
}

/** The key between `start` and its closing quote at `end`: unescaped, checked, kept. */
function key(
  s: SetScan,
  text: string,
  start: number,
  end: number,
  escaped: boolean,
): JsonProblem | undefined {
  let value = text.slice(start, end);
  if (escaped) {
    try {
      value = JSON.parse(text.slice(start - 1, end + 1)) as string;
    } catch {
      return 'malformed';
    }
  }
  if (value === '__proto__') return 'forbidden_key';
  if (value === 'prototype' && s.underConstructor[s.depth - 1]) return 'forbidden_key';
  let seen = s.keys[s.depth - 1];
  if (seen === null || seen === undefined) {
    seen = new Set();
    s.keys[s.depth - 1] = seen;
  }
  if (seen.has(value)) return 'duplicate_key';
  seen.add(value);
  s.lastKey = value;
  s.expectKey = false;
  return undefined;
}

/** A character outside strings: opens or closes a container, separates, or is a scalar's. */
function structure(s: SetScan, c: number, maxDepth: number): JsonProblem | undefined {
  switch (c) {
    case OPEN_OBJECT:
      if (++s.depth > maxDepth) return 'too_deep';
      s.underConstructor[s.depth - 1] = s.lastKey === 'constructor' && !s.expectKey;
      s.keys[s.depth - 1] = null;
      s.expectKey = true;
      s.lastKey = '';
      break;
    case OPEN_ARRAY:
      if (++s.depth > maxDepth) return 'too_deep';
      s.underConstructor[s.depth - 1] = false;
      s.keys[s.depth - 1] = undefined;
      s.expectKey = false;
      s.lastKey = '';
      break;
    case CLOSE_OBJECT:
    case CLOSE_ARRAY:
      if (s.depth === 0) return 'malformed';
      s.depth--;
      s.expectKey = false;
      s.lastKey = '';
      break;
    case COMMA:
      // After a comma, an object expects a key again; an array does not.
      s.expectKey = s.depth > 0 && s.keys[s.depth - 1] !== undefined;
      s.lastKey = '';
      break;
    case COLON:
      break;
    default:
      // Any scalar after a key's colon ends that key's "constructor" context.
      if (c > 0x20 && s.lastKey !== '') s.lastKey = '';
  }
  return undefined;
}
