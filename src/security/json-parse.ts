/**
 * Parsing an untrusted JSON body with the structural scan's verdict (json-guard.ts), in less
 * time: `JSON.parse` first, then a check of the tree it built, and the scan only when that check
 * finds anything at all. On the bench's 250-byte event the check costs about a third of the scan
 * (0.2 against 0.6 µs, load ~15), and the scan was the largest step of a decode after the MAC.
 *
 * The verdict is always exactly "scan, then parse" (docs/wire-format.md §7 step 6, the first
 * problem in text order):
 * - a text longer than {@link TREE_CHECK_MAX}, or holding `\u` (an escape can spell a key or a
 *   colon that the text does not show), is scanned first, as before;
 * - a text `JSON.parse` refuses is scanned for its verdict (`malformed` when the scan finds none);
 * - otherwise the tree is walked: no container deeper than `maxDepth`, no own `__proto__` key,
 *   no `prototype` key in the object value of a `constructor` key, and no key lost to a
 *   repetition. Without `\u`, each colon of the text is a member's separator or a character of
 *   a key or of a string value, so the text's colons are its members plus the colons in its keys
 *   and string values. `JSON.parse` keeps one member per name, so the tree has at most as many
 *   members and string values as the text: the tree's members plus the colons of its string
 *   values equal the text's colons only when no member was lost to a repeated name (and no key
 *   holds a colon: keys are not searched, and such a rare text goes to the scan). Any miss hands
 *   the text to the scan, whose verdict stands.
 *
 * `JSON.parse` builds nested containers iteratively (no stack overflow), and a text up to
 * {@link TREE_CHECK_MAX} bytes nests at most half as deep, so a hostile body costs no more than
 * a flat one of the largest size a receiver already parses. The walk recurses at most
 * `maxDepth` levels.
 */
import { type JsonProblem, scanJson } from './json-guard.js';

/** Longest text checked after parsing; longer ones are scanned before it. */
export const TREE_CHECK_MAX = 64 * 1024;

/** A parsed JSON value, or the scan's verdict on the text. */
export type ParsedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: JsonProblem };

/** Parses `text`, refused as {@link scanJson} with `maxDepth` then `JSON.parse` would refuse it. */
export function parseJson(text: string, maxDepth: number): ParsedJson {
  if (text.length > TREE_CHECK_MAX || text.includes('\\u')) return scanThenParse(text, maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refused(scanJson(text, maxDepth) ?? 'malformed');
  }
  const walk: Walk = { maxDepth, members: 0, colons: 0 };
  if (
    clean(walk, value, 0, false) &&
    walk.members + walk.colons === colonsOf(text) &&
    plainPrototype()
  )
    return { ok: true, value };
  const problem = scanJson(text, maxDepth);
  return problem === undefined ? { ok: true, value } : refused(problem);
}

/** The scan, then `JSON.parse`: the order of docs/wire-format.md §7 step 6. */
function scanThenParse(text: string, maxDepth: number): ParsedJson {
  const problem = scanJson(text, maxDepth);
  if (problem !== undefined) return refused(problem);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return refused('malformed');
  }
}

const refused = (problem: JsonProblem): ParsedJson => ({ ok: false, problem });

/** What a walk counts: members of objects, and colons inside string values. */
interface Walk {
  readonly maxDepth: number;
  members: number;
  colons: number;
}

/**
 * False when `value` (a container at `depth` + 1 when it is one) is too deep or holds a forbidden
 * key; `constructorValue` is true for the value of a `constructor` key.
 */
function clean(walk: Walk, value: unknown, depth: number, constructorValue: boolean): boolean {
  if (typeof value === 'string') {
    walk.colons += colonsOf(value);
    return true;
  }
  if (typeof value !== 'object' || value === null) return true;
  if (depth >= walk.maxDepth) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      if (!clean(walk, value[i], depth + 1, false)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  // JSON.parse makes plain objects whose keys are all own: for-in sees exactly them (unless
  // Object.prototype has enumerable keys: parseJson then scans instead).
  for (const key in record) {
    if (key === '__proto__' || (constructorValue && key === 'prototype')) return false;
    walk.members++;
    if (!clean(walk, record[key], depth + 1, key === 'constructor')) return false;
  }
  return true;
}

/** True when Object.prototype, the prototype of every object JSON.parse makes, has no enumerable key. */
function plainPrototype(): boolean {
  for (const key in EMPTY) if (key !== '') return false;
  return true;
}
const EMPTY = {};

/** Colons in `text`, found by native search. */
function colonsOf(text: string): number {
  let count = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) count++;
  return count;
}
