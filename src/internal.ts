/**
 * `herald/internal`: the pieces adapter authors and tools need, kept off the main entry point.
 * Stable within a minor version, but not part of the application API.
 */

export { escapeTenantId } from './adapters/redis/channels.js';
export { nodeChannel } from './bus/bus.js';
export { DeliveryQueue } from './bus/queue.js';
export type {
  QueueDepths,
  SystemChannel,
  SystemClient,
  SystemFeature,
  SystemPort,
} from './bus/system.js';
export type { ClientCalls } from './client/runtime.js';
export { eventClient, rawTopicClient, templateClient, topicClient } from './client/runtime.js';
export { checkFormat, formats } from './schemas/formats.js';
export type { ParsedTemplate, Segment } from './schemas/template.js';
export { formatTopic, matchTopic, parseTemplate, templatesOverlap } from './schemas/template.js';
export { createValidator, listIssues } from './schemas/validator.js';
export type {
  Codec,
  CodecRejection,
  DecodeAllResult,
  DecodeResult,
  Envelope,
  EnvelopeFields,
  ItemFields,
} from './security/codec.js';
export {
  createCodec,
  ENVELOPE_TYPE,
  headText,
  itemJson,
  MAX_BATCH,
} from './security/codec.js';
export type { Freshness } from './security/freshness.js';
export { createFreshness } from './security/freshness.js';
export type { Mac } from './security/hmac.js';
export { createMac } from './security/hmac.js';
export type { JsonProblem } from './security/json-guard.js';
export { scanJson } from './security/json-guard.js';
export { weakSecretProblem } from './security/key-material.js';
export type { Ed25519Key, HmacKey, KeyRing, ResolvedKey } from './security/keys.js';
export { createKeyRing } from './security/keys.js';
export type { ReplayGate } from './security/replay.js';
export { createReplayGate } from './security/replay.js';
export type { Scope } from './security/scopes.js';
export { createScope } from './security/scopes.js';
export { signInput, verifyInput, verifySegments } from './security/signature.js';
