/**
 * The shared schema store: where producers register the versions of each event, and where
 * consumers look up a version they do not know. Like a schema registry server, keyed by
 * *subject* (`<topic template>/<event>`) and version; unlike one, it is a table or a hash in a
 * database the services already share, and every Herald node applies the same rules to it.
 */

import type { JsonSchema } from '../schemas/compat/json.js';
import type { CompatibilityMode } from '../schemas/compat/modes.js';

/** One registered version of one event. */
export interface StoredSchema {
  /** `<topic template>/<event>`, e.g. `order:{orderId}/status_updated`. */
  readonly subject: string;
  readonly version: number;
  /** The payload schema, as JSON. */
  readonly schema: JsonSchema;
  /** `sha256:<hex>` of the schema's canonical JSON (the lock file's fingerprint). */
  readonly fingerprint: string;
  /** The mode it was registered under. */
  readonly compatibility: CompatibilityMode;
  /** True when the registering registry declared an upcaster from the previous version. */
  readonly upcast: boolean;
  /** When it was first registered, ms since the Unix epoch. */
  readonly registeredAt: number;
  /** The node (or tool) that registered it. */
  readonly registeredBy: string;
}

/** What {@link SchemaStore.insert} did. */
export interface InsertResult {
  /** The record now stored under that subject and version: the new one, or the earlier one. */
  readonly stored: StoredSchema;
  /** False when a record with that version was there first (first write wins). */
  readonly created: boolean;
}

/**
 * A schema store. Implementations only store and read records; the compatibility rules run in
 * `registerEvent`, the same on every backend. `memorySchemaStore`, `redisSchemaStore` and
 * `postgresSchemaStore` are the built-in ones.
 */
export interface SchemaStore {
  /** Names the backend in errors and CLI output: `memory`, `redis`, `postgres`. */
  readonly name: string;
  /** Every subject, sorted. */
  subjects(): Promise<string[]>;
  /** Every stored version of a subject, oldest first (empty when unknown). */
  versions(subject: string): Promise<StoredSchema[]>;
  /** One version, or undefined. */
  get(subject: string, version: number): Promise<StoredSchema | undefined>;
  /** Stores a record unless its version is stored already, atomically. */
  insert(record: StoredSchema): Promise<InsertResult>;
  /** Releases what the store owns (never a client it was given). */
  close?(): Promise<void>;
}
