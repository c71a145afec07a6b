/**
 * Schemas as plain JSON, for comparison: TypeBox's symbol keys dropped, annotations set apart.
 *
 * The compatibility rules read JSON Schema, not TypeBox objects, so they work the same on a
 * registry's schemas, on a lock file's and on a schema store's. Annotations (`title`,
 * `description`, `examples`, `default`, `x-*`, ...) never decide whether a value is valid, so two
 * schemas that differ only there are the same schema.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** A JSON Schema: an object, or `true` (anything) / `false` (nothing). */
export type JsonSchema = JsonObject | boolean;

/** Keywords that describe a schema without constraining values. */
const ANNOTATIONS = new Set([
  '$schema',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentEncoding',
  'contentMediaType',
]);

/** True for a keyword that never affects validation. */
export function isAnnotation(keyword: string): boolean {
  return ANNOTATIONS.has(keyword) || keyword.startsWith('x-');
}

/** A schema as JSON: symbol keys, functions and `undefined` dropped. */
export function toJsonSchema(schema: unknown): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  const json: unknown = JSON.parse(JSON.stringify(schema ?? {}));
  return isObject(json) ? json : {};
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema with every annotation removed, at every level. */
export function stripAnnotations(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(stripAnnotations);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (isAnnotation(key)) continue;
    // Under `properties` and `patternProperties` keys are names, not keywords: keep them all.
    out[key] =
      (key === 'properties' || key === 'patternProperties' || key === '$defs') && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripAnnotations(v)]))
        : key === 'const' || key === 'enum'
          ? value
          : stripAnnotations(value);
  }
  return out;
}

/** JSON with object keys sorted at every level and no whitespace (RFC 8785 for schema JSON). */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** True when two schemas are the same once annotations are set aside. */
export function sameConstraints(a: Json, b: Json): boolean {
  const key = (s: Json): string => canonicalJson(normalize(stripAnnotations(canonicalIds(s))));
  return key(a) === key(b);
}

/**
 * The schema with its `$id`s renamed `#0`, `#1`, ... in document order, and `$ref`s to them
 * rewritten: TypeBox numbers recursive schemas by creation order (`T0`, `T7`), which must not
 * make two equal schemas differ.
 */
export function canonicalIds(schema: Json): Json {
  const ids = new Map<string, string>();
  const collect = (node: Json): void => {
    if (Array.isArray(node)) for (const item of node) collect(item);
    else if (isObject(node)) {
      if (typeof node.$id === 'string' && !ids.has(node.$id)) ids.set(node.$id, `#${ids.size}`);
      for (const value of Object.values(node)) collect(value);
    }
  };
  collect(schema);
  if (ids.size === 0) return schema;
  const rewrite = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] =
        (key === '$id' || key === '$ref') && typeof value === 'string'
          ? (ids.get(value) ?? value)
          : rewrite(value);
    }
    return out;
  };
  return rewrite(schema);
}

/** Sorts order-free arrays (`required`, `enum`, `type`) so that their order does not count. */
function normalize(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(normalize);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'required' || key === 'type') && Array.isArray(value)) {
      out[key] = [...value].sort((x, y) => (String(x) < String(y) ? -1 : 1));
    } else if (key === 'enum' && Array.isArray(value)) {
      out[key] = [...value].sort((x, y) => (canonicalJson(x) < canonicalJson(y) ? -1 : 1));
    } else if (key === 'const' || key === 'enum') {
      out[key] = value;
    } else if ((key === 'properties' || key === 'patternProperties') && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
    } else {
      out[key] = normalize(value);
    }
  }
  return out;
}

/** True when two JSON values are equal (objects compared regardless of key order). */
export function jsonEqual(a: Json, b: Json): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
