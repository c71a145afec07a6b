/**
 * A small JSON Schema evaluator: does this schema accept this one value?
 *
 * The compatibility rules use it where a schema admits a finite set of values (`const`, `enum`,
 * literal unions): each value the writer can send is tried against the reader. It knows the
 * keywords the rules know; an unknown validation keyword makes it answer "no", which errs on the
 * side of calling a change incompatible.
 */
import { checkFormat } from '../formats.js';
import { isObject, type Json, type JsonSchema, jsonEqual } from './json.js';
import { UNCOMPARABLE_KEYWORDS } from './keywords.js';

/** The JSON type names of a value (`integer` values are `number` too). */
export function typesOf(value: Json): readonly string[] {
  if (value === null) return ['null'];
  if (Array.isArray(value)) return ['array'];
  if (typeof value === 'number')
    return Number.isInteger(value) ? ['integer', 'number'] : ['number'];
  if (typeof value === 'object') return ['object'];
  return [typeof value];
}

/** True when `schema` accepts `value`. */
export function accepts(schema: JsonSchema | undefined, value: Json): boolean {
  if (schema === undefined || schema === true) return true;
  if (schema === false) return false;
  for (const keyword of Object.keys(schema)) {
    if (UNCOMPARABLE_KEYWORDS.has(keyword)) return false;
  }
  const s = schema;
  if (s.type !== undefined) {
    const wanted = Array.isArray(s.type) ? s.type : [s.type];
    const actual = typesOf(value);
    if (!wanted.some((t) => typeof t === 'string' && actual.includes(t))) return false;
  }
  if (s.const !== undefined && !jsonEqual(s.const, value)) return false;
  if (Array.isArray(s.enum) && !s.enum.some((v) => jsonEqual(v, value))) return false;
  if (Array.isArray(s.anyOf) && !s.anyOf.some((b) => accepts(asSchema(b), value))) return false;
  if (Array.isArray(s.oneOf) && s.oneOf.filter((b) => accepts(asSchema(b), value)).length !== 1)
    return false;
  if (Array.isArray(s.allOf) && !s.allOf.every((b) => accepts(asSchema(b), value))) return false;
  if (s.not !== undefined && accepts(asSchema(s.not), value)) return false;
  if (typeof value === 'string') return acceptsString(s, value);
  if (typeof value === 'number') return acceptsNumber(s, value);
  if (Array.isArray(value)) return acceptsArray(s, value);
  if (isObject(value)) return acceptsObject(s, value);
  return true;
}

function asSchema(value: Json | undefined): JsonSchema | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'boolean' ? value : isObject(value) ? value : {};
}

const num = (value: Json | undefined): number | undefined =>
  typeof value === 'number' ? value : undefined;

function acceptsString(s: Record<string, Json>, value: string): boolean {
  const length = [...value].length;
  const min = num(s.minLength);
  const max = num(s.maxLength);
  if (min !== undefined && length < min) return false;
  if (max !== undefined && length > max) return false;
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) return false;
  if (typeof s.format === 'string' && !checkFormat(s.format, value)) return false;
  return true;
}

function acceptsNumber(s: Record<string, Json>, value: number): boolean {
  const checks: [number | undefined, (bound: number) => boolean][] = [
    [num(s.minimum), (b) => value >= b],
    [num(s.maximum), (b) => value <= b],
    [num(s.exclusiveMinimum), (b) => value > b],
    [num(s.exclusiveMaximum), (b) => value < b],
    [num(s.multipleOf), (b) => Number.isInteger(value / b)],
  ];
  return checks.every(([bound, ok]) => bound === undefined || ok(bound));
}

function acceptsArray(s: Record<string, Json>, value: Json[]): boolean {
  const min = num(s.minItems);
  const max = num(s.maxItems);
  if (min !== undefined && value.length < min) return false;
  if (max !== undefined && value.length > max) return false;
  const prefix = Array.isArray(s.prefixItems)
    ? s.prefixItems
    : Array.isArray(s.items)
      ? s.items
      : [];
  const rest = Array.isArray(s.items) ? s.additionalItems : s.items;
  for (const [i, item] of value.entries()) {
    const schema = i < prefix.length ? prefix[i] : rest;
    if (!accepts(asSchema(schema), item)) return false;
  }
  if (s.uniqueItems === true) {
    const seen = new Set(value.map((v) => JSON.stringify(v)));
    if (seen.size !== value.length) return false;
  }
  return true;
}

function acceptsObject(s: Record<string, Json>, value: Record<string, Json>): boolean {
  const keys = Object.keys(value);
  const min = num(s.minProperties);
  const max = num(s.maxProperties);
  if (min !== undefined && keys.length < min) return false;
  if (max !== undefined && keys.length > max) return false;
  if (Array.isArray(s.required) && s.required.some((k) => typeof k === 'string' && !(k in value)))
    return false;
  const properties = isObject(s.properties) ? s.properties : {};
  const patterns = isObject(s.patternProperties) ? Object.entries(s.patternProperties) : [];
  for (const key of keys) {
    let matched = false;
    if (Object.hasOwn(properties, key)) {
      matched = true;
      if (!accepts(asSchema(properties[key]), value[key]!)) return false;
    }
    for (const [pattern, schema] of patterns) {
      if (!new RegExp(pattern, 'u').test(key)) continue;
      matched = true;
      if (!accepts(asSchema(schema), value[key]!)) return false;
    }
    if (!matched && !accepts(asSchema(s.additionalProperties), value[key]!)) return false;
  }
  return true;
}
