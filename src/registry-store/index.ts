/**
 * Shared schema stores: where producers register event versions and consumers look up the ones
 * they do not declare. In memory, in a PostgreSQL table, or in Redis hashes; the compatibility
 * rules run in Herald (`registerEvent`), the same on every backend.
 */

export type { PgClient } from '../postgres-client.js';
export { memorySchemaStore } from './memory.js';
export type { PostgresSchemaStoreOptions } from './postgres.js';
export { postgresSchemaStore } from './postgres.js';
export type { InboundMessage, SharedSchemaOptions, VersionReader } from './reader.js';
export { createVersionReader } from './reader.js';
export type { RedisHashClient, RedisSchemaStoreOptions } from './redis.js';
export { redisSchemaStore } from './redis.js';
export type { EventHistory, RegisterOptions, RegisterResult } from './register.js';
export {
  eventHistory,
  RegistrationProblem,
  registerEvent,
  registerSchemas,
  SchemaRegistrationError,
} from './register.js';
export { parseSubject, schemaFingerprint, subjectOf } from './subject.js';
export type { InsertResult, SchemaStore, StoredSchema } from './types.js';
