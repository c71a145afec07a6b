/**
 * Emits `herald.lock.json`: the fingerprint of every schema, per topic template, event and version.
 *
 * The compatibility gate compares a committed lock with a fresh one: an event whose fingerprint
 * changed while its version did not is an unannounced schema change. Format (version 1):
 *
 * ```json
 * {
 *   "lockVersion": 1,
 *   "algorithm": "sha256-canonical-json",
 *   "topics": {
 *     "room:{roomId}": {
 *       "key": "room",
 *       "raw": false,
 *       "params": { "roomId": "sha256:…" },
 *       "events": { "message": { "version": 1, "schema": "sha256:…" } }
 *     }
 *   }
 * }
 * ```
 *
 * Topics are keyed by template (what travels on the wire), and every object's keys are sorted, so
 * the file diffs cleanly and does not depend on declaration order.
 */
import type { Registry } from '../../src/index.js';
import { fingerprint, plainSchema } from '../schema.js';
import { jsonFile } from './source.js';

/** The version of the lock file format. */
export const LOCK_VERSION = 1;

/** The fingerprint algorithm named in the lock. */
export const LOCK_ALGORITHM = 'sha256-canonical-json';

/** The lock file's name in the output directory. */
export const LOCK_FILE = 'herald.lock.json';

/** One event in the lock. */
export interface LockedEvent {
  readonly version: number;
  /** `sha256:<hex>` of the canonical JSON of the payload schema. */
  readonly schema: string;
}

/** One topic in the lock. */
export interface LockedTopic {
  readonly key: string;
  readonly raw: boolean;
  /** `sha256:<hex>` of each parameter's schema. */
  readonly params: Readonly<Record<string, string>>;
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
        [...entry.paramValidators].map(([name, validator]) => [
          name,
          fingerprint(plainSchema(validator.schema)),
        ]),
      ),
      events: sortedRecord(
        [...entry.events.values()].map((ev) => [
          ev.name,
          { version: ev.def.version, schema: fingerprint(plainSchema(ev.def.schema)) },
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
