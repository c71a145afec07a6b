/**
 * Schemas as plain JSON, and their fingerprints.
 *
 * TypeBox schemas carry symbol keys (`[Kind]`, `[OptionalKind]`) that are not part of JSON Schema;
 * {@link plainSchema} drops them. A fingerprint is the SHA-256 of the canonical JSON of a plain
 * schema: object keys sorted by UTF-16 code units (JavaScript's default sort), no whitespace,
 * strings and numbers as `JSON.stringify` writes them. For the JSON a schema holds this matches
 * RFC 8785 (JSON Canonicalization Scheme), so other tools can recompute it.
 */
import { createHash } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A schema without TypeBox's symbol keys (and without functions or undefined values). */
export function plainSchema(schema: TSchema): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(schema)) as { [key: string]: Json };
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<hex>` of the canonical JSON of a plain schema. */
export function fingerprint(schema: Json): string {
  return `sha256:${createHash('sha256').update(canonicalJson(schema)).digest('hex')}`;
}
