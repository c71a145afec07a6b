/**
 * Herald: a typed, signed, traced event bus for TypeScript services.
 *
 * Declare topics once with `defineTopics`, create a bus with `createBus`, and publish and
 * subscribe with typed functions (or generate them with `herald codegen`). Every message that
 * crosses a transport is signed and verified; every payload is validated.
 *
 * Exports are listed by name; adapter authors import from `herald/internal`.
 */

export type { ChainOptions, TransportChoice } from './adapters/chain.js';
export { AUTO_ORDER, resolveTransport, TransportName } from './adapters/chain.js';
export type { LocalHub, LocalTransportOptions } from './adapters/local.js';
export { createLocalHub, localTransport } from './adapters/local.js';
export type {
  Transport,
  TransportEvent,
  TransportSink,
  TransportStatus,
} from './adapters/transport.js';
export { ConnectionState } from './adapters/transport.js';
export type {
  EventClient,
  EventSubscribeOptions,
  RawTopicClient,
  TopicClient,
} from './client/runtime.js';
export { createBus } from './bus/bus.js';
export type {
  Bus,
  BusEvents,
  BusOptions,
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
  TypedTopicName,
} from './bus/types.js';
export { OverflowPolicy } from './bus/types.js';
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
export type { ParamNames, TopicPattern } from './schemas/template.js';
export type { CheckFunction, Validator } from './schemas/validator.js';
export type { DecodeLimits } from './security/codec.js';
export type { FreshnessOptions } from './security/freshness.js';
export type { KeyConfig, KeySpec } from './security/keys.js';
export { Algorithm, MIN_KEY_BYTES } from './security/keys.js';
export type { Rejection } from './security/reasons.js';
export { RejectReason } from './security/reasons.js';
export type {
  Instrumentation,
  ProcessInfo,
  PublishInfo,
  PublishKind,
  PublishOutcome,
  PublishScope,
} from './telemetry/types.js';
