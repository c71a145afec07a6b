/**
 * Schema compatibility: the rules (`canRead`), the modes, version histories and schema diffs.
 *
 * @example
 * canRead(orderV2, orderV1); // [] when v2 reads every v1 payload
 * checkHistory(versions, 'BACKWARD_TRANSITIVE'); // what a history breaks of its mode
 */
export { accepts } from './accepts.js';
export type { SchemaChange } from './diff.js';
export { diffSchemas, formatChanges, shortJson } from './diff.js';
export type { ReadRoute, VersionConflict, VersionSchema } from './history.js';
export { checkHistory, checkVersion, readRoute } from './history.js';
export type { Json, JsonObject, JsonSchema } from './json.js';
export { canonicalJson, sameConstraints, stripAnnotations, toJsonSchema } from './json.js';
export type { ModeRule, Reach } from './modes.js';
export {
  COMPATIBILITY_MODES,
  CompatibilityMode,
  DEFAULT_COMPATIBILITY,
  isCompatibilityMode,
  modeRule,
} from './modes.js';
export { canRead } from './read.js';
export type { CompatOptions, Incompatibility, OpenContent } from './types.js';
export { IncompatibilityKind } from './types.js';
