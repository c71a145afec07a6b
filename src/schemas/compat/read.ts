/**
 * `canRead(reader, writer)`: can every value the writer's schema allows be read by the reader's?
 *
 * This is set inclusion between JSON Schemas (writer ⊆ reader), decided by structural rules:
 * sound (a "yes" is always right) and complete for the shapes TypeBox builds. Where the rules
 * cannot decide (`$ref`, `if`/`then`, `contains`, regex inclusion), two different schemas count
 * as incompatible, so the gate errs toward asking for a new version.
 *
 * Unions split the writer into its branches (each must be read) and let the reader pick a branch
 * (one must read the writer's branch); `const`/`enum` writers are checked value by value.
 */
import { accepts } from './accepts.js';
import { readArray } from './arrays.js';
import {
  isAnnotation,
  isObject,
  type Json,
  type JsonObject,
  type JsonSchema,
  jsonEqual,
  sameConstraints,
} from './json.js';
import { JSON_TYPES, UNCOMPARABLE_KEYWORDS } from './keywords.js';
import { readObject } from './objects.js';
import { readNumber, readString } from './scalars.js';
import {
  type CompatOptions,
  type Incompatibility,
  IncompatibilityKind,
  type ReadContext,
} from './types.js';

const MAX_DEPTH = 64;
const ALL_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'string'] as const;

/**
 * Every reason `reader` cannot read all data `writer` allows; empty when it can.
 * @example canRead(Type.Object({ a: Type.Number() }), Type.Object({ a: Type.Integer() })) // []
 */
export function canRead(
  reader: unknown,
  writer: unknown,
  options: CompatOptions = {},
): Incompatibility[] {
  const ctx: ReadContext = { openContent: options.openContent ?? 'declared', depth: 0, read };
  return read(toSchema(reader), toSchema(writer), '', ctx);
}

function toSchema(value: unknown): JsonSchema {
  if (typeof value === 'boolean') return value;
  const json: unknown = JSON.parse(JSON.stringify(value ?? {}));
  return isObject(json) ? json : true;
}

const asSchema = (value: Json | undefined): JsonSchema =>
  value === undefined ? true : typeof value === 'boolean' ? value : isObject(value) ? value : true;

/** `{ not: {} }` and `false` allow nothing. */
function isNever(s: JsonSchema): boolean {
  if (s === false) return true;
  if (s === true) return false;
  const not = s.not;
  return not === true || (isObject(not) && Object.keys(not).length === 0);
}

function read(
  reader: JsonSchema,
  writer: JsonSchema,
  path: string,
  parent: ReadContext,
): Incompatibility[] {
  const ctx: ReadContext = { ...parent, depth: parent.depth + 1 };
  if (ctx.depth > MAX_DEPTH) return [uncomparable(path, 'schemas nest too deeply to compare')];
  if (isNever(writer)) return [];
  if (reader === true) return [];
  if (isNever(reader)) {
    return [
      { path, kind: IncompatibilityKind.TypeNarrowed, message: 'reader accepts no value here' },
    ];
  }
  if (Object.keys(reader).every(isAnnotation)) return [];
  if (sameConstraints(reader, writer)) return [];
  const r = reader as JsonObject;
  const w: JsonObject = typeof writer === 'boolean' ? {} : writer;

  if (r.$ref !== undefined || w.$ref !== undefined) {
    return [
      uncomparable(
        path,
        'referenced schemas ($ref) are compared for equality only, and they differ',
      ),
    ];
  }
  const split = splitWriter(w);
  if (split !== undefined) return split.flatMap((branch) => read(r, branch, path, ctx));
  if (Array.isArray(w.allOf)) return readIntersection(r, w, path, ctx);
  const values = finiteValues(w);
  if (values !== undefined) return readValues(r, values, path);

  const out: Incompatibility[] = [];
  if (Array.isArray(r.allOf)) for (const m of r.allOf) out.push(...read(asSchema(m), w, path, ctx));
  if (Array.isArray(r.anyOf)) out.push(...readUnion(r.anyOf.map(asSchema), w, path, ctx, false));
  if (Array.isArray(r.oneOf)) out.push(...readUnion(r.oneOf.map(asSchema), w, path, ctx, true));
  if (r.not !== undefined && !disjoint(asSchema(r.not), w)) {
    out.push(
      uncomparable(path, 'reader excludes values with "not"; the writer may send some of them'),
    );
  }
  for (const keyword of Object.keys(r)) {
    if (UNCOMPARABLE_KEYWORDS.has(keyword) && !jsonEqual(r[keyword]!, w[keyword] ?? null)) {
      out.push(
        uncomparable(
          path,
          `reader uses "${keyword}", which is compared for equality only, and the writer's differs`,
        ),
      );
    }
  }
  out.push(...readTyped(r, w, path, ctx));
  return out;
}

/** A writer union as its branches (each merged with the keywords beside the union), or undefined. */
function splitWriter(w: JsonObject): JsonSchema[] | undefined {
  const key = Array.isArray(w.anyOf) ? 'anyOf' : Array.isArray(w.oneOf) ? 'oneOf' : undefined;
  if (key === undefined) return undefined;
  const { [key]: branches, ...base } = w;
  const baseKeys = Object.keys(base);
  return (branches as Json[]).map((b) => {
    const branch = asSchema(b);
    if (baseKeys.length === 0 || typeof branch === 'boolean') return branch;
    // The writer is base AND branch; keeping only the branch widens it, which stays sound.
    return baseKeys.some((k) => Object.hasOwn(branch, k)) ? branch : { ...base, ...branch };
  });
}

/** A writer `allOf`: merged when every member is an object schema, else one member that reads. */
function readIntersection(r: JsonObject, w: JsonObject, path: string, ctx: ReadContext) {
  const { allOf, ...base } = w;
  const members = (allOf as Json[]).map(asSchema);
  if (members.every((m) => isObject(m) && (m.type === 'object' || isObject(m.properties)))) {
    const properties: JsonObject = {};
    const required = new Set<string>();
    for (const m of members as JsonObject[]) {
      for (const [k, v] of Object.entries(isObject(m.properties) ? m.properties : {})) {
        properties[k] ??= v;
      }
      if (Array.isArray(m.required)) for (const k of m.required) required.add(String(k));
    }
    const merged: JsonObject = { ...base, type: 'object', properties, required: [...required] };
    return read(r, merged, path, ctx);
  }
  // Data valid for all members is valid for each: one member the reader reads is enough.
  let first: Incompatibility[] | undefined;
  for (const m of members) {
    const problems = read(r, typeof m === 'boolean' ? m : { ...base, ...m }, path, ctx);
    if (problems.length === 0) return [];
    first ??= problems;
  }
  return first ?? [];
}

/** The values of a `const`/`enum` writer that its other keywords allow, or undefined. */
function finiteValues(w: JsonObject): Json[] | undefined {
  const candidates = w.const !== undefined ? [w.const] : Array.isArray(w.enum) ? w.enum : undefined;
  return candidates?.filter((value) => accepts(w, value));
}

function readValues(r: JsonObject, values: Json[], path: string): Incompatibility[] {
  return values
    .filter((value) => !accepts(r, value))
    .map((value) => ({
      path,
      kind: IncompatibilityKind.ValueRefused,
      message: `writer may send ${JSON.stringify(value)}; the reader refuses it`,
    }));
}

function readUnion(
  branches: JsonSchema[],
  w: JsonObject,
  path: string,
  ctx: ReadContext,
  exclusive: boolean,
): Incompatibility[] {
  const results = branches.map((b) => read(b, w, path, ctx));
  const fit = results.findIndex((problems) => problems.length === 0);
  if (fit >= 0) {
    if (!exclusive || branches.every((b, i) => i === fit || disjoint(b, w))) return [];
    return [uncomparable(path, "writer values may match several branches of the reader's oneOf")];
  }
  // A writer of several types may be read by one branch per type.
  const types = typeSet(w);
  if (types !== undefined && types.size > 1) {
    const perType = [...types].map((t) =>
      readUnion(branches, { ...w, type: t }, path, ctx, exclusive),
    );
    if (perType.every((problems) => problems.length === 0)) return [];
  }
  const best = results.reduce((a, b) => (b.length < a.length ? b : a), results[0] ?? []);
  return [
    {
      path,
      kind: IncompatibilityKind.NoMatchingBranch,
      message: "no branch of the reader's union reads everything the writer sends",
    },
    ...best,
  ];
}

/** The JSON types a schema allows, or undefined for any. */
function typeSet(s: JsonObject): Set<string> | undefined {
  if (s.type === undefined) return undefined;
  return new Set((Array.isArray(s.type) ? s.type : [s.type]).map(String));
}

const typeAccepted = (types: Set<string>, t: string): boolean =>
  types.has(t) || (t === 'integer' && types.has('number'));

/** True when no value satisfies both schemas, by type or by fixed values. */
function disjoint(a: JsonSchema, w: JsonObject): boolean {
  if (isNever(a)) return true;
  if (typeof a === 'boolean') return false;
  const values = finiteValues(w);
  if (values !== undefined) return values.every((v) => !accepts(a, v));
  const ta = typeSet(a);
  const tw = typeSet(w);
  if (ta === undefined || tw === undefined) return false;
  return [...tw].every((t) => !typeAccepted(ta, t) && !(t === 'number' && ta.has('integer')));
}

function readTyped(
  r: JsonObject,
  w: JsonObject,
  path: string,
  ctx: ReadContext,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const rTypes = typeSet(r);
  const wTypes = typeSet(w);
  for (const t of [...(rTypes ?? []), ...(wTypes ?? [])]) {
    if (!JSON_TYPES.has(t)) {
      return [
        uncomparable(
          path,
          `type "${t}" is not a JSON type; such schemas are compared for equality only`,
        ),
      ];
    }
  }
  if (wTypes === undefined && rTypes !== undefined) {
    out.push({
      path,
      kind: IncompatibilityKind.TypeNarrowed,
      message: `writer sends any JSON type; the reader accepts only ${[...rTypes].join(', ')}`,
    });
    return out;
  }
  if (r.const !== undefined || Array.isArray(r.enum)) {
    out.push({
      path,
      kind: IncompatibilityKind.ValuesNarrowed,
      message: `reader accepts only ${JSON.stringify(r.const ?? r.enum)}; the writer is not limited to those values`,
    });
  }
  const written = wTypes === undefined ? ALL_TYPES : [...wTypes];
  for (const t of written) {
    if (rTypes !== undefined && !typeAccepted(rTypes, t)) {
      out.push({
        path,
        kind: IncompatibilityKind.TypeNarrowed,
        message: `writer sends ${t === 'number' && rTypes.has('integer') ? 'numbers that are not integers' : t}; the reader accepts only ${[...rTypes].join(', ')}`,
      });
      continue;
    }
    if (t === 'string') out.push(...readString(r, w, path));
    else if (t === 'number' || t === 'integer') out.push(...readNumber(r, w, t, path));
    else if (t === 'object') out.push(...readObject(r, w, path, ctx));
    else if (t === 'array') out.push(...readArray(r, w, path, ctx));
  }
  return dedupe(out);
}

function dedupe(problems: Incompatibility[]): Incompatibility[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function uncomparable(path: string, message: string): Incompatibility {
  return { path, kind: IncompatibilityKind.Uncomparable, message };
}
