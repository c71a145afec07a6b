/**
 * Herald: a typed, signed, traced event bus for TypeScript services.
 *
 * Declare topics once with `defineTopics`, create a bus with `createBus`, and publish and
 * subscribe with typed functions (or generate them with `herald codegen`). Every message that
 * crosses a transport is signed and verified; every payload is validated.
 *
 * Exports are listed by name; adapter authors import from `herald/internal`, schema tools
 * (compatibility rules, schema registration) from `herald/schema-tools`.
 */

export type { ChainOptions, TransportChoice } from './adapters/chain.js';
export { AUTO_ORDER, resolveTransport, TransportName } from './adapters/chain.js';
export type {
  DurableConsumer,
  DurableConsumerSpec,
  DurableDelivery,
  DurableStore,
  DurableTopicSpec,
} from './adapters/durable.js';
export type { LocalHub, LocalTransportOptions } from './adapters/local.js';
export { createLocalHub, localTransport } from './adapters/local.js';
export type {
  Transport,
  TransportEvent,
  TransportSink,
  TransportStatus,
} from './adapters/transport.js';
export { ConnectionState, TEMPLATE_CHANNEL_PREFIX, templateChannel } from './adapters/transport.js';
export type { BatchingOptions } from './bus/batcher.js';
export type { DuplicateNode } from './bus/duplicate-node.js';
export type { DeadLetter, RedeliveryOptions } from './bus/durable-options.js';
export type {
  BatchOptions,
  DebounceOptions,
  SubscriptionCounts,
  ThrottleOptions,
} from './bus/helpers/options.js';
export type { LogOption, LogWriter, ReportOptions } from './bus/report.js';
export type {
  BatchHandler,
  BatchSubscribeOptions,
  BusEvents,
  BusStats,
  DefOf,
  Gap,
  Handler,
  Message,
  MessageMeta,
  MessageOf,
  PublishReceipt,
  QueueOptions,
  RawTopicName,
  SubscribeOptions,
  Subscriber,
  Subscription,
  TopicName,
  TopicParams,
  TopicParamValues,
  TypedTopicName,
} from './bus/types.js';
export { OverflowPolicy } from './bus/types.js';
export type {
  EventClient,
  EventSubscribeOptions,
  RawTopicClient,
  TemplateClient,
  TopicClient,
} from './client/runtime.js';
export { type Bus, type BusFeature, type BusOptions, createBus } from './create-bus.js';
export type { ErrorContext, ValidationIssue } from './errors.js';
export {
  ConfigError,
  ErrorCode,
  HeraldError,
  isHeraldError,
  RegistryError,
  TransportError,
  ValidationError,
} from './errors.js';
export type { PgClient } from './postgres-client.js';
export { PRESENCE_CHANNEL, PRESENCE_DEFAULTS } from './presence/index.js';
export type {
  Presence,
  PresenceDiff,
  PresenceEntry,
  PresenceEvent,
  PresenceFetch,
  PresenceListing,
  PresenceMeta,
  PresenceMetaOf,
  PresenceOptions,
  PresencePeer,
  PresenceReadOptions,
  PresenceStats,
  PresenceSubscribeOptions,
  PresenceSubscription,
  PresenceTopicName,
  TrackOptions,
} from './presence/types.js';
export type {
  PostgresSchemaStoreOptions,
  RedisHashClient,
  RedisSchemaStoreOptions,
  SchemaStore,
  SharedSchemaOptions,
} from './registry-store/index.js';
export {
  memorySchemaStore,
  postgresSchemaStore,
  RegistrationProblem,
  redisSchemaStore,
  SchemaRegistrationError,
} from './registry-store/index.js';
export { CompatibilityMode } from './schemas/compat/index.js';
export type {
  EventDef,
  EventEntry,
  EventNames,
  EventOptions,
  ParamsOf,
  PayloadOf,
  RawTopicOptions,
  Registry,
  RegistryInfo,
  ResolvedTopic,
  TopicDef,
  TopicDefs,
  TopicEntry,
  TopicOptions,
} from './schemas/define.js';
export { defineTopics, event, rawTopic, topic } from './schemas/define.js';
export type { DurableOptions } from './schemas/durable.js';
export type { ParamNames, TopicPattern } from './schemas/template.js';
export type { CheckFunction, Validator } from './schemas/validator.js';
export type { EventVersion, EvolveArgs, EvolveOptions, Upcaster } from './schemas/versions.js';
export type { DecodeLimits } from './security/codec.js';
export type { FreshnessOptions } from './security/freshness.js';
export { DEFAULT_MAX_FUTURE_MS, DEFAULT_MAX_PAST_MS } from './security/freshness.js';
export type { Jwk, JwkSet, JwkSetOptions } from './security/key-sources.js';
export { keyFromJwk, keysFromEnv, keysFromJwks, parseKeyConfig } from './security/key-sources.js';
export type { Ed25519KeySpec, HmacKeySpec, KeyConfig, KeySpec } from './security/keys.js';
export { Algorithm, MIN_KEY_BYTES } from './security/keys.js';
export type { Rejection } from './security/reasons.js';
export { RejectReason } from './security/reasons.js';
export type { ReplayStore, SharedReplayOptions } from './security/replay.js';
export { memoryReplayStore } from './security/replay.js';
export type {
  PostgresReplayStore,
  PostgresReplayStoreOptions,
  RedisReplayStoreOptions,
  RedisSetClient,
} from './security/replay-stores.js';
export { postgresReplayStore, redisReplayStore } from './security/replay-stores.js';
export type { PrefixedTransport } from './security/tenant.js';
export { tenantPrefix } from './security/tenant.js';
export { TelemetryAttribute, TelemetryMetric } from './telemetry/attributes.js';
export type {
  AttachLoggerOptions,
  ConnectInfo,
  DisconnectInfo,
  LoggedEvent,
  LoggerLike,
  LogLevel,
} from './telemetry/logger.js';
export { attachLogger, DEFAULT_LOG_LEVELS } from './telemetry/logger.js';
export type { OtelInstrumentationOptions } from './telemetry/otel.js';
export { otelInstrumentation } from './telemetry/otel.js';
export type {
  Instrumentation,
  ProcessInfo,
  PublishInfo,
  PublishKind,
  PublishOutcome,
  PublishScope,
} from './telemetry/types.js';
