/**
 * An in-memory schema store: for tests, single-process apps, and as the reference backend.
 * Shared by every bus in the process that is given the same instance.
 */
import type { InsertResult, SchemaStore, StoredSchema } from './types.js';

/** A schema store in a `Map`, optionally seeded with records. */
export function memorySchemaStore(records: readonly StoredSchema[] = []): SchemaStore {
  const subjects = new Map<string, Map<number, StoredSchema>>();
  const put = (record: StoredSchema): InsertResult => {
    let versions = subjects.get(record.subject);
    if (versions === undefined) subjects.set(record.subject, (versions = new Map()));
    const existing = versions.get(record.version);
    if (existing !== undefined) return { stored: existing, created: false };
    const copy = structuredClone(record);
    versions.set(record.version, copy);
    return { stored: copy, created: true };
  };
  for (const record of records) put(record);
  return {
    name: 'memory',
    subjects: async () => [...subjects.keys()].sort(),
    versions: async (subject) =>
      [...(subjects.get(subject)?.values() ?? [])]
        .sort((a, b) => a.version - b.version)
        .map((r) => structuredClone(r)),
    get: async (subject, version) => {
      const found = subjects.get(subject)?.get(version);
      return found === undefined ? undefined : structuredClone(found);
    },
    insert: async (record) => put(record),
  };
}
