/**
 * Emits one JSON Schema (draft 2020-12) file per event version:
 * `schemas/<topicKey>.<event>.v<version>.schema.json`, with `$schema`, `$id`, `title` and
 * `description` added to the event's payload schema.
 */
import type { Registry } from '../../src/index.js';
import { plainSchema } from '../schema.js';
import { jsonFile } from './source.js';

/** The JSON Schema dialect of the emitted files. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** The file name of one event's schema, relative to the output directory. */
export function schemaPath(topicKey: string, event: string, version: number): string {
  return `schemas/${topicKey}.${event}.v${version}.schema.json`;
}

/** `urn:herald:<registry title slug>:<topicKey>.<event>.v<version>`: stable, no host needed. */
export function schemaId(registry: Registry, topicKey: string, event: string, version: number) {
  const slug = registry.info.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `urn:herald:${slug || 'topics'}:${topicKey}.${event}.v${version}`;
}

/** Emits the schema files, by path. */
export function emitJsonSchemas(registry: Registry): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of registry.entries) {
    for (const ev of entry.events.values()) {
      for (const { version, schema } of ev.def.versions) {
        const { $schema: _dialect, $id: _id, title, description, ...rest } = plainSchema(schema);
        files.set(
          schemaPath(entry.key, ev.name, version),
          jsonFile({
            $schema: JSON_SCHEMA_DIALECT,
            $id: schemaId(registry, entry.key, ev.name, version),
            title: typeof title === 'string' ? title : `${entry.key}.${ev.name}`,
            description:
              ev.def.description ??
              (typeof description === 'string'
                ? description
                : `Payload of ${ev.name} on ${entry.def.template}`),
            ...(ev.def.deprecated ? { deprecated: true } : {}),
            'x-herald-topic': entry.def.template,
            'x-herald-event': ev.name,
            'x-herald-version': version,
            ...rest,
          }),
        );
      }
    }
  }
  return files;
}
