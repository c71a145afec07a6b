/**
 * Subjects and fingerprints: how an event is named in a schema store, and how a schema is
 * identified (the same SHA-256 of canonical JSON as `herald.lock.json`).
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type JsonSchema, toJsonSchema } from '../schemas/compat/json.js';
import { isCompatibilityMode } from '../schemas/compat/modes.js';
import type { StoredSchema } from './types.js';

/** The subject of an event: `<topic template>/<event>`. */
export function subjectOf(template: string, event: string): string {
  return `${template}/${event}`;
}

/** Splits a subject into its template and event, or undefined when it is not one. */
export function parseSubject(subject: string): { template: string; event: string } | undefined {
  const at = subject.lastIndexOf('/');
  if (at <= 0 || at === subject.length - 1) return undefined;
  return { template: subject.slice(0, at), event: subject.slice(at + 1) };
}

/** `sha256:<hex>` of a schema's canonical JSON; TypeBox's symbol keys do not count. */
export function schemaFingerprint(schema: unknown): string {
  const json = toJsonSchema(schema);
  return `sha256:${createHash('sha256').update(canonicalJson(json)).digest('hex')}`;
}

/** Parses a stored record (JSON text from a backend), or undefined when it is not one. */
export function parseRecord(text: string): StoredSchema | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isRecord(value) ? value : undefined;
}

/** True when a value has the shape of a stored record. */
export function isRecord(value: unknown): value is StoredSchema {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.subject === 'string' &&
    Number.isInteger(r.version) &&
    (typeof r.schema === 'boolean' || (typeof r.schema === 'object' && r.schema !== null)) &&
    typeof r.fingerprint === 'string' &&
    isCompatibilityMode(r.compatibility) &&
    typeof r.upcast === 'boolean' &&
    typeof r.registeredAt === 'number' &&
    typeof r.registeredBy === 'string'
  );
}

/** The JSON a backend stores for a record, keys in a fixed order. */
export function recordJson(record: StoredSchema): string {
  const ordered: StoredSchema = {
    subject: record.subject,
    version: record.version,
    fingerprint: record.fingerprint,
    compatibility: record.compatibility,
    upcast: record.upcast,
    registeredAt: record.registeredAt,
    registeredBy: record.registeredBy,
    schema: record.schema as JsonSchema,
  };
  return JSON.stringify(ordered);
}
