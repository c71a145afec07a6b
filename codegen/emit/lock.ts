/**
 * Emits `herald.lock.json`: every schema of every event version, with fingerprints, upcaster
 * flags and the event's compatibility mode — what the compatibility gate (`herald schemas check`)
 * compares a registry with. Format (version 2):
 *
 * ```json
 * {
 *   "lockVersion": 2,
 *   "algorithm": "sha256-canonical-json",
 *   "topics": {
 *     "order:{orderId}": {
 *       "key": "order",
 *       "raw": false,
 *       "params": { "orderId": { "fingerprint": "sha256:…", "schema": { "type": "string" } } },
 *       "events": {
 *         "status_updated": {
 *           "version": 2,
 *           "fingerprint": "sha256:…",
 *           "compatibility": "BACKWARD_TRANSITIVE",
 *           "versions": [
 *             { "version": 1, "fingerprint": "sha256:…", "upcast": false, "schema": { … } },
 *             { "version": 2, "fingerprint": "sha256:…", "upcast": true, "schema": { … } }
 *           ]
 *         }
 *       }
 *     }
 *   }
 * }
 * ```
 *
 * A draft version carries `"draft": true`; the gate ignores it in the lock (docs/cli.md, "Drafts").
 *
 * Topics are keyed by template (what travels on the wire), and every object's keys are sorted, so
 * the file diffs cleanly and does not depend on declaration order.
 */
import type { Registry } from '../../src/index.js';
import { eventMode } from '../../src/schema-tools.js';
import { fingerprint, type Json, plainSchema } from '../schema.js';
import { jsonFile } from './source.js';

/** The version of the lock file format. */
export const LOCK_VERSION = 2;

/** The fingerprint algorithm named in the lock. */
export const LOCK_ALGORITHM = 'sha256-canonical-json';

/** The lock file's name in the output directory. */
export const LOCK_FILE = 'herald.lock.json';

/** One version of an event in the lock. */
export interface LockedVersion {
  readonly version: number;
  /** `sha256:<hex>` of the canonical JSON of the payload schema. */
  readonly fingerprint: string;
  /** True when an upcaster from the previous version is declared. */
  readonly upcast: boolean;
  /** The payload schema, as JSON. */
  readonly schema: Json;
  /**
   * Present (true) on an unreleased draft version (`event(schema, { draft: true })`): the gate
   * does not freeze it. Absent on released versions, so their locks do not change.
   */
  readonly draft?: true;
}

/** One event in the lock. */
export interface LockedEvent {
  /** The latest version. */
  readonly version: number;
  /** The latest version's fingerprint. */
  readonly fingerprint: string;
  /** Its compatibility mode (the event's, else its topic's, else BACKWARD_TRANSITIVE). */
  readonly compatibility: string;
  /** Every declared version, oldest first. */
  readonly versions: readonly LockedVersion[];
}

/** One topic parameter in the lock. */
export interface LockedParam {
  readonly fingerprint: string;
  readonly schema: Json;
}

/** One topic in the lock. */
export interface LockedTopic {
  readonly key: string;
  readonly raw: boolean;
  readonly params: Readonly<Record<string, LockedParam>>;
  readonly events: Readonly<Record<string, LockedEvent>>;
}

/** The lock file. */
export interface Lock {
  readonly lockVersion: typeof LOCK_VERSION;
  /** How fingerprints are computed: SHA-256 of canonical JSON (see `codegen/schema.ts`). */
  readonly algorithm: typeof LOCK_ALGORITHM;
  readonly topics: Readonly<Record<string, LockedTopic>>;
}

function sortedRecord<T>(pairs: [string, T][]): Record<string, T> {
  return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Builds the lock of a registry. */
export function buildLock(registry: Registry): Lock {
  const topics = registry.entries.map((entry): [string, LockedTopic] => [
    entry.def.template,
    {
      key: entry.key,
      raw: entry.def.raw,
      params: sortedRecord(
        [...entry.paramValidators].map(([name, validator]) => {
          const schema = plainSchema(validator.schema);
          return [name, { fingerprint: fingerprint(schema), schema }];
        }),
      ),
      events: sortedRecord(
        [...entry.events.values()].map((ev) => [
          ev.name,
          {
            version: ev.def.version,
            fingerprint: fingerprint(plainSchema(ev.def.schema)),
            compatibility: eventMode(ev.def, entry.def),
            versions: ev.def.versions.map((v) => {
              const schema = plainSchema(v.schema);
              return {
                version: v.version,
                fingerprint: fingerprint(schema),
                upcast: v.upcast !== undefined,
                schema,
                ...(ev.def.draft && v.version === ev.def.version ? { draft: true as const } : {}),
              };
            }),
          },
        ]),
      ),
    },
  ]);
  return {
    lockVersion: LOCK_VERSION,
    algorithm: LOCK_ALGORITHM,
    topics: sortedRecord(topics),
  };
}

/** Emits `herald.lock.json`. */
export function emitLock(registry: Registry): string {
  return jsonFile(buildLock(registry));
}
