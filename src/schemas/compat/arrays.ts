/**
 * Rules for arrays: item schemas (a list's `items`, a tuple's positions), item counts and
 * `uniqueItems`. Both tuple spellings are read: `prefixItems` + `items` (2020-12) and
 * `items: [...]` + `additionalItems` (draft 7, TypeBox's `Type.Tuple`).
 */
import { isObject, type Json, type JsonObject, type JsonSchema } from './json.js';
import { type Incompatibility, IncompatibilityKind, type ReadContext } from './types.js';

interface ArrayShape {
  readonly prefix: readonly JsonSchema[];
  /** Schema of items after the prefix; `true` when unconstrained. */
  readonly rest: JsonSchema;
  readonly min: number;
  readonly max: number;
}

const asSchema = (value: Json | undefined): JsonSchema =>
  value === undefined ? true : typeof value === 'boolean' ? value : isObject(value) ? value : true;

function shape(s: JsonObject): ArrayShape {
  const tupleItems = Array.isArray(s.items);
  const prefix = (
    Array.isArray(s.prefixItems) ? s.prefixItems : tupleItems ? (s.items as Json[]) : []
  ).map(asSchema);
  const rest = asSchema(tupleItems ? s.additionalItems : s.items);
  const declaredMax = typeof s.maxItems === 'number' ? s.maxItems : Number.POSITIVE_INFINITY;
  return {
    prefix,
    rest,
    min: typeof s.minItems === 'number' ? s.minItems : 0,
    max: rest === false ? Math.min(declaredMax, prefix.length) : declaredMax,
  };
}

/** Compares the array keywords of a reader and a writer. */
export function readArray(
  r: JsonObject,
  w: JsonObject,
  path: string,
  ctx: ReadContext,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const rs = shape(r);
  const ws = shape(w);
  if (ws.min < rs.min) {
    out.push({
      path,
      kind: IncompatibilityKind.RangeNarrowed,
      message: `reader needs at least ${rs.min} items; writer may send ${ws.min}`,
    });
  }
  if (ws.max > rs.max && rs.rest !== false) {
    out.push({
      path,
      kind: IncompatibilityKind.RangeNarrowed,
      message: `reader allows at most ${rs.max} items; writer ${Number.isFinite(ws.max) ? `may send ${ws.max}` : 'has no limit'}`,
    });
  }
  const positions = Math.max(rs.prefix.length, ws.prefix.length);
  for (let i = 0; i < positions && i < ws.max; i++) {
    const written = ws.prefix[i] ?? ws.rest;
    const read = rs.prefix[i] ?? rs.rest;
    if (written === false) continue;
    if (read === false || i >= rs.max) {
      out.push(
        itemRefused(
          `${path}/${i}`,
          `writer may send an item at position ${i}; the reader accepts ${rs.max} at most`,
        ),
      );
    } else {
      out.push(...ctx.read(read, written, `${path}/${i}`, ctx));
    }
  }
  if (ws.max > positions && ws.rest !== false) {
    if (rs.rest === false || rs.max <= positions) {
      out.push(
        itemRefused(
          `${path}/*`,
          `writer may send more than ${positions} items; the reader accepts ${rs.max} at most`,
        ),
      );
    } else {
      out.push(...ctx.read(rs.rest, ws.rest, `${path}/*`, ctx));
    }
  }
  if (r.uniqueItems === true && w.uniqueItems !== true && ws.max > 1) {
    out.push({
      path,
      kind: IncompatibilityKind.UniqueItemsAdded,
      message: 'reader requires unique items; writer may repeat one',
    });
  }
  return out;
}

function itemRefused(path: string, message: string): Incompatibility {
  return { path, kind: IncompatibilityKind.ItemRefused, message };
}
