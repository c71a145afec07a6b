/**
 * `herald/schema-tools`: schema compatibility and the shared schema registry, for tools — the
 * lock-file gate, `herald schemas`, CI checks, a custom `SchemaStore` — rather than applications.
 * An application declares modes (`CompatibilityMode`) and picks a store (`redisSchemaStore`, ...)
 * from `herald`; what decides compatibility and registers versions is here (docs/schema-evolution.md).
 *
 * @example
 * import { canRead, checkHistory } from 'herald/schema-tools';
 * canRead(orderV2, orderV1); // [] when v2 reads every v1 payload
 */

export type {
  EventHistory,
  InsertResult,
  RegisterOptions,
  RegisterResult,
  SchemaStore,
  StoredSchema,
} from './registry-store/index.js';
export {
  eventHistory,
  RegistrationProblem,
  registerEvent,
  registerSchemas,
  SchemaRegistrationError,
  schemaFingerprint,
  subjectOf,
} from './registry-store/index.js';
export type {
  CompatOptions,
  Incompatibility,
  Json,
  JsonSchema,
  OpenContent,
  ReadRoute,
  SchemaChange,
  VersionConflict,
  VersionSchema,
} from './schemas/compat/index.js';
export {
  CompatibilityMode,
  canRead,
  checkHistory,
  checkVersion,
  DEFAULT_COMPATIBILITY,
  diffSchemas,
  IncompatibilityKind,
  readRoute,
} from './schemas/compat/index.js';
export { eventMode, versionSchemas } from './schemas/versions.js';
