/**
 * Is it a schema TypeBox built? `defineTopics` asks this of every payload, parameter and presence
 * schema, so a registry mistake is refused at start-up, not at the first publish with TypeBox's
 * bare "Preflight validation check failed" (issue 15). TypeBox compiles only schemas it built:
 * they carry its `Kind` symbol, and their `Type.Ref`s point inside them.
 */
import { Kind, type TSchema, TypeGuard } from '@sinclair/typebox';

/**
 * Why `schema` is not a TypeBox schema Herald can compile, with the fix; undefined when it is.
 * The two usual mistakes get their own hint: the properties without `Type.Object`, and a plain
 * JSON Schema object (TypeBox compiles only schemas it built: they carry its `Kind` symbol).
 */
export function schemaProblem(
  schema: unknown,
  usage: (inner: string) => string = (inner) => `event(${inner})`,
): { what: string; hint: string } | undefined {
  if (TypeGuard.IsSchema(schema)) {
    const ref = unresolvedRef(schema);
    return ref === undefined
      ? undefined
      : {
          what: `refers to "${ref}" (Type.Ref), which it does not contain`,
          hint: `inline the referenced schema instead of Type.Ref("${ref}"), or use Type.Recursive for a recursive type`,
        };
  }
  if (typeof schema !== 'object' || schema === null) {
    return {
      what: `is ${schema === null ? 'null' : typeof schema}, not a schema`,
      hint: `declare it with TypeBox: ${usage('Type.Object({ ... })')}`,
    };
  }
  const values = Object.values(schema);
  const keys = Object.keys(schema);
  if (!(Kind in schema) && values.length > 0 && values.every((v) => TypeGuard.IsSchema(v))) {
    return {
      what: 'is a plain object of schemas, not a schema (Type.Object is missing)',
      hint: `wrap the properties in Type.Object: ${usage(
        `Type.Object({ ${keys
          .slice(0, 2)
          .map((k) => `${k}: ...`)
          .join(', ')} })`,
      )}`,
    };
  }
  if (!(Kind in schema)) {
    const json = ['type', 'properties', '$schema', 'anyOf', 'oneOf', 'items', 'enum'].some(
      (k) => k in schema,
    );
    return {
      what: json ? 'is a plain JSON Schema, not a TypeBox schema' : 'is not a TypeBox schema',
      hint: json
        ? `write it with TypeBox, e.g. ${usage('Type.Object({ id: Type.String() })')}: Herald compiles and types only schemas TypeBox built`
        : `declare it with TypeBox: ${usage('Type.Object({ ... })')}`,
    };
  }
  return {
    what: `is a malformed TypeBox ${String((schema as Record<symbol, unknown>)[Kind])} schema`,
    hint: 'build every part with Type.* functions; a hand-edited or JSON-parsed schema loses what TypeBox needs',
  };
}

/** The first `$ref` of `schema` whose `$id` it does not contain (TypeBox could not compile it). */
function unresolvedRef(schema: TSchema): string | undefined {
  const ids = new Set<string>();
  const refs: string[] = [];
  const seen = new Set<object>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    const record = node as Record<string, unknown>;
    if (typeof record.$id === 'string') ids.add(record.$id);
    if (typeof record.$ref === 'string') refs.push(record.$ref);
    for (const value of Object.values(record)) walk(value);
  };
  walk(schema);
  return refs.find((ref) => !ids.has(ref));
}
