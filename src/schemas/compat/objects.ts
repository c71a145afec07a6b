/**
 * Rules for objects: required sets, declared properties, pattern properties, additional
 * properties (the content model) and property counts.
 *
 * For each property name the writer can send, every reader schema that applies to that name
 * (its declared schema, matching `patternProperties`, or else `additionalProperties`) must read
 * the writer's schema for it. What the writer sends under names it does not declare depends on
 * its content model and on {@link ReadContext.openContent}: see `types.ts`.
 */
import { isObject, type JsonObject, type JsonSchema } from './json.js';
import { type Incompatibility, IncompatibilityKind, type ReadContext } from './types.js';

const EXTRA = '{additional}';

/** Patterns that match every property name. */
const UNIVERSAL = new Set(['^(.*)$', '^.*$', '.*', '^(.*)', '', '^']);

const asSchema = (value: unknown): JsonSchema =>
  typeof value === 'boolean' ? value : isObject(value) ? value : true;

const propertiesOf = (s: JsonObject): JsonObject => (isObject(s.properties) ? s.properties : {});
const patternsOf = (s: JsonObject): [string, JsonSchema][] =>
  isObject(s.patternProperties)
    ? Object.entries(s.patternProperties).map(([p, v]) => [p, asSchema(v)])
    : [];
const requiredOf = (s: JsonObject): Set<string> =>
  new Set(Array.isArray(s.required) ? s.required.filter((k) => typeof k === 'string') : []);

function matches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(name);
  } catch {
    return true; // an invalid pattern: assume it may apply
  }
}

/**
 * What the writer sends under a name it does not declare: a schema, or undefined for nothing.
 * Closed objects send nothing; `additionalProperties: <schema>` sends that; open objects send
 * nothing under `'declared'` (unless they declare no property at all) and anything under
 * `'strict'`.
 */
function writerExtras(w: JsonObject, ctx: ReadContext): JsonSchema | undefined {
  const additional = w.additionalProperties;
  if (additional === false) return undefined;
  // A pattern that matches every name (TypeBox's `Type.Record(Type.String(), ...)`) leaves none.
  if (patternsOf(w).some(([pattern]) => UNIVERSAL.has(pattern))) return undefined;
  if (isObject(additional)) return additional;
  const declaresSomething = Object.keys(propertiesOf(w)).length > 0 || patternsOf(w).length > 0;
  if (ctx.openContent === 'declared' && declaresSomething) return undefined;
  return true;
}

/** The reader schemas that apply to one named property (declared, patterns, or additional). */
function readerSchemasFor(r: JsonObject, name: string): JsonSchema[] {
  const out: JsonSchema[] = [];
  const declared = propertiesOf(r);
  if (Object.hasOwn(declared, name)) out.push(asSchema(declared[name]));
  for (const [pattern, schema] of patternsOf(r)) if (matches(pattern, name)) out.push(schema);
  if (out.length === 0) out.push(asSchema(r.additionalProperties));
  return out;
}

/** The writer's schema for one named property, or undefined when it never sends it. */
function writerSchemaFor(w: JsonObject, name: string, ctx: ReadContext): JsonSchema | undefined {
  const declared = propertiesOf(w);
  if (Object.hasOwn(declared, name)) return asSchema(declared[name]);
  for (const [pattern, schema] of patternsOf(w)) if (matches(pattern, name)) return schema;
  return writerExtras(w, ctx);
}

function refused(path: string, name: string | undefined): Incompatibility {
  return {
    path,
    kind: IncompatibilityKind.PropertyRefused,
    message:
      name === undefined
        ? 'writer may send properties the reader does not declare; the reader refuses them (additionalProperties: false)'
        : `writer sends "${name}"; the reader's closed object refuses it (additionalProperties: false)`,
  };
}

/** Compares the object keywords of a reader and a writer. */
export function readObject(
  r: JsonObject,
  w: JsonObject,
  path: string,
  ctx: ReadContext,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const rProps = propertiesOf(r);
  const wProps = propertiesOf(w);
  const wRequired = requiredOf(w);
  for (const name of requiredOf(r)) {
    if (wRequired.has(name)) continue;
    out.push({
      path: `${path}/${name}`,
      kind: IncompatibilityKind.PropertyRequired,
      message: Object.hasOwn(wProps, name)
        ? `reader requires "${name}"; writer declares it optional`
        : `reader requires "${name}"; writer does not send it`,
    });
  }
  const names = new Set([...Object.keys(rProps), ...Object.keys(wProps)]);
  for (const name of names) {
    const written = writerSchemaFor(w, name, ctx);
    if (written === undefined) continue;
    for (const schema of readerSchemasFor(r, name)) {
      if (schema === false) out.push(refused(`${path}/${name}`, name));
      else if (written === true && ctx.read(schema, true, '', ctx).length > 0) {
        out.push({
          path: `${path}/${name}`,
          kind: IncompatibilityKind.TypeNarrowed,
          message: `the writer's open object may send "${name}" with any value; the reader constrains it`,
        });
      } else out.push(...ctx.read(schema, written, `${path}/${name}`, ctx));
    }
  }
  out.push(...readExtras(r, w, path, ctx));
  out.push(...readCounts(r, w, path, ctx));
  return out;
}

/** Names neither side declares: the writer's patterns and additional properties. */
function readExtras(
  r: JsonObject,
  w: JsonObject,
  path: string,
  ctx: ReadContext,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const rPatterns = patternsOf(r);
  const rAdditional = asSchema(r.additionalProperties);
  const sources: [string, JsonSchema, JsonSchema[]][] = [];
  for (const [pattern, schema] of patternsOf(w)) {
    const same = rPatterns.find(([p]) => p === pattern);
    // Names under this pattern may also match the reader's other patterns: each must read them.
    const others = rPatterns.filter(([p]) => p !== pattern).map(([, s]) => s);
    sources.push([`${path}/{${pattern}}`, schema, [same ? same[1] : rAdditional, ...others]]);
  }
  const extras = writerExtras(w, ctx);
  if (extras !== undefined) {
    sources.push([`${path}/${EXTRA}`, extras, [rAdditional, ...rPatterns.map(([, s]) => s)]]);
  }
  for (const [where, written, readers] of sources) {
    if (written === false) continue;
    for (const schema of readers) {
      if (schema === false) out.push(refused(where, undefined));
      else out.push(...ctx.read(schema, written, where, ctx));
    }
  }
  return out;
}

function readCounts(
  r: JsonObject,
  w: JsonObject,
  path: string,
  ctx: ReadContext,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const rMin = typeof r.minProperties === 'number' ? r.minProperties : 0;
  const wMin = Math.max(
    typeof w.minProperties === 'number' ? w.minProperties : 0,
    requiredOf(w).size,
  );
  if (wMin < rMin) {
    out.push({
      path,
      kind: IncompatibilityKind.RangeNarrowed,
      message: `reader needs at least ${rMin} properties; writer may send ${wMin}`,
    });
  }
  if (typeof r.maxProperties === 'number') {
    const closed = writerExtras(w, ctx) === undefined && patternsOf(w).length === 0;
    const wMax =
      typeof w.maxProperties === 'number'
        ? w.maxProperties
        : closed
          ? Object.keys(propertiesOf(w)).length
          : Number.POSITIVE_INFINITY;
    if (wMax > r.maxProperties) {
      out.push({
        path,
        kind: IncompatibilityKind.RangeNarrowed,
        message: `reader allows at most ${r.maxProperties} properties; writer ${Number.isFinite(wMax) ? `may send ${wMax}` : 'has no limit'}`,
      });
    }
  }
  return out;
}
