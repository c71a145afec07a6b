/**
 * A readable structural diff of two schemas: what was added, removed or changed, by JSON pointer
 * into the schema. Used by the gate and `herald schemas diff` to show *what* changed next to
 * *why* it is (in)compatible.
 */
import { isObject, type Json, jsonEqual, stripAnnotations } from './json.js';

/** One difference between two schemas. */
export interface SchemaChange {
  readonly op: 'added' | 'removed' | 'changed';
  /** JSON pointer into the schema (`/properties/status/anyOf`). */
  readonly pointer: string;
  readonly before?: Json;
  readonly after?: Json;
}

const escapeKey = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The differences between `before` and `after`. With `annotations: false` (default) only
 * validation keywords count; descriptions and titles are left out.
 */
export function diffSchemas(
  before: Json,
  after: Json,
  options: { readonly annotations?: boolean } = {},
): SchemaChange[] {
  const a = options.annotations ? before : stripAnnotations(before);
  const b = options.annotations ? after : stripAnnotations(after);
  const out: SchemaChange[] = [];
  walk(a, b, '', out);
  return out;
}

function walk(a: Json, b: Json, pointer: string, out: SchemaChange[]): void {
  if (jsonEqual(a, b)) return;
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const at = `${pointer}/${escapeKey(key)}`;
      if (!Object.hasOwn(b, key)) out.push({ op: 'removed', pointer: at, before: a[key]! });
      else if (!Object.hasOwn(a, key)) out.push({ op: 'added', pointer: at, after: b[key]! });
      else walk(a[key]!, b[key]!, at, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every(isObject)) {
    for (const [i, item] of a.entries()) walk(item, b[i]!, `${pointer}/${i}`, out);
    return;
  }
  out.push({ op: 'changed', pointer: pointer || '/', before: a, after: b });
}

const MAX_JSON = 100;

/** Compact JSON, cut at 100 characters. */
export function shortJson(value: Json | undefined): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_JSON ? `${text.slice(0, MAX_JSON - 1)}…` : text;
}

/** One line per change: `+ /properties/carrier {"type":"string"}`. */
export function formatChanges(changes: readonly SchemaChange[]): string[] {
  return changes.map((c) =>
    c.op === 'added'
      ? `+ ${c.pointer} ${shortJson(c.after)}`
      : c.op === 'removed'
        ? `- ${c.pointer} ${shortJson(c.before)}`
        : `~ ${c.pointer} ${shortJson(c.before)} → ${shortJson(c.after)}`,
  );
}
