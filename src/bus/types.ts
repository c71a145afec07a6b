/**
 * The bus's public types: options, messages, subscriptions, events and statistics.
 */
import type { ChainOptions, TransportChoice } from '../adapters/chain.js';
import type { TransportStatus } from '../adapters/transport.js';
import type { HeraldError } from '../errors.js';
import type {
  EventNames,
  ParamsOf,
  PayloadOf,
  Registry,
  TopicDef,
  TopicDefs,
} from '../schemas/define.js';
import type { TopicPattern } from '../schemas/template.js';
import type { CheckFunction } from '../schemas/validator.js';
import type { DecodeLimits } from '../security/codec.js';
import type { FreshnessOptions } from '../security/freshness.js';
import type { KeyConfig } from '../security/keys.js';
import type { Rejection, RejectReason } from '../security/reasons.js';
import type { Instrumentation } from '../telemetry/types.js';

/** Every concrete topic string the registry accepts, as a template literal union. */
export type TopicName<D extends TopicDefs> = {
  [K in keyof D]: TopicPattern<D[K]['template']>;
}[keyof D];

/** Concrete topics of typed (non-raw) topics: what `broadcast` accepts. */
export type TypedTopicName<D extends TopicDefs> = {
  [K in keyof D]: D[K]['raw'] extends true ? never : TopicPattern<D[K]['template']>;
}[keyof D];

/** Concrete topics of raw topics: what `broadcastRaw` accepts. */
export type RawTopicName<D extends TopicDefs> = {
  [K in keyof D]: D[K]['raw'] extends true ? TopicPattern<D[K]['template']> : never;
}[keyof D];

/** The topic definition(s) a concrete topic string belongs to. */
export type DefOf<D extends TopicDefs, S extends string> = {
  [K in keyof D]: S extends TopicPattern<D[K]['template']> ? D[K] : never;
}[keyof D];

/** What a handler knows about a message besides its payload. */
export interface MessageMeta {
  /** Unique message id: `<node>:<epoch>:<seq>`. */
  readonly id: string;
  /** Sending node. */
  readonly node: string;
  /** The sender's per-publisher sequence number. */
  readonly seq: number;
  /** Publish time, ms since the Unix epoch. */
  readonly time: number;
  /** Schema version of the payload. */
  readonly version: number;
  /** Topic parameters, as they appear in the topic. */
  readonly params: Readonly<Record<string, string>>;
  /** True when it was published on this bus instance (never encoded or signed). */
  readonly local: boolean;
  /** Key id that verified it (remote messages only). */
  readonly kid?: string;
  /** W3C trace context of the publish (remote messages only). */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** One delivered message. `event` discriminates the payload type. */
export interface Message<E extends string = string, P = unknown> {
  readonly topic: string;
  readonly event: E;
  readonly payload: P;
  readonly meta: MessageMeta;
}

/** The union of messages a topic definition can carry. */
export type MessageOf<T extends TopicDef> = {
  [E in EventNames<T>]: Message<E, PayloadOf<T, E>>;
}[EventNames<T>];

/** A message handler. Async handlers are awaited one message at a time. */
export type Handler<M> = (message: M) => void | Promise<void>;

/** What a subscription does when its queue is full. */
export const OverflowPolicy = {
  /** Drop the oldest queued message (a slow consumer sees newer data). */
  DropOldest: 'drop-oldest',
  /** Drop the incoming message. */
  DropNewest: 'drop-newest',
  /** Cancel the subscription and emit a `subscription_error` with code QUEUE_OVERFLOW. */
  Error: 'error',
} as const;
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];

/** Per-subscription queue settings. */
export interface QueueOptions {
  /**
   * Most messages waiting for this handler.
   * @default 1024
   */
  readonly limit?: number;
  /**
   * What happens to a message that does not fit.
   * @default 'drop-oldest'
   */
  readonly overflow?: OverflowPolicy;
}

/** A signal that messages may have been lost: the transport was down from `from` to `to`. */
export interface Gap {
  /** When the connection was lost (ms since the Unix epoch). */
  readonly from: number;
  /** When every subscription was confirmed again. */
  readonly to: number;
  readonly transport: string;
  readonly reason: string;
}

/** Options of one subscription. */
export interface SubscribeOptions<E extends string = string> {
  /** Only these events (default: every event of the topic). */
  readonly events?: readonly E[];
  readonly queue?: QueueOptions;
  /** The subscriber holding it (for `broadcastFrom` and `unsubscribeAll`). */
  readonly subscriber?: Subscriber;
  /** Unsubscribes when aborted. */
  readonly signal?: AbortSignal;
  /** Called when messages on this topic may have been lost (reconnect, failover). */
  readonly onGap?: (gap: Gap) => void;
}

/** A live subscription. */
export interface Subscription {
  readonly id: number;
  readonly topic: string;
  /** Messages dropped by this subscription's overflow policy. */
  readonly dropped: number;
  /** Messages waiting in its queue. */
  readonly pending: number;
  readonly active: boolean;
  /** Removes it. Idempotent. */
  unsubscribe(): Promise<void>;
}

/** A named holder of subscriptions: the "pid" of Phoenix's `broadcast_from`. */
export interface Subscriber {
  readonly id: string;
  /** Subscriptions it holds now. */
  readonly subscriptions: readonly Subscription[];
  /** Removes its subscriptions to one topic. */
  unsubscribe(topic: string): Promise<void>;
  /** Removes all its subscriptions. */
  unsubscribeAll(): Promise<void>;
}

/** Returned by a publish that reached the transport (or was local only). */
export interface PublishReceipt {
  readonly id: string;
  readonly seq: number;
  readonly topic: string;
  readonly event: string;
  /** Subscriptions on this bus instance that received it. */
  readonly localDeliveries: number;
  /** Whether it was handed to the transport for other nodes. */
  readonly sent: boolean;
  /** The transport that took it (the active one of a fallback chain). */
  readonly transport: string;
  /**
   * True when a fallback chain ran on a less preferred transport: with `['redis', 'local']` and
   * Redis down, a publish reaches only this process's hub — reported here, never as a plain success.
   */
  readonly degraded: boolean;
}

/** Events the bus emits for the application to observe. */
export interface BusEvents {
  /** An inbound message was refused; it reached no handler. */
  rejected: Rejection;
  /** A handler threw or its promise rejected. */
  handler_error: {
    readonly topic: string;
    readonly event: string;
    readonly subscription: number;
    readonly error: unknown;
  };
  /** A subscription dropped messages (or was cancelled under the `error` policy). */
  overflow: {
    readonly topic: string;
    readonly subscription: number;
    readonly policy: OverflowPolicy;
    readonly dropped: number;
  };
  /** A subscription was cancelled by an error (queue overflow under the `error` policy). */
  subscription_error: {
    readonly topic: string;
    readonly subscription: number;
    readonly error: HeraldError;
  };
  connected: { readonly transport: string };
  disconnected: { readonly transport: string; readonly reason: string };
  reconnecting: { readonly transport: string; readonly attempt: number; readonly delayMs: number };
  resubscribed: { readonly transport: string; readonly channels: number; readonly ms: number };
  /** A fallback chain switched transports. A `gap` follows. */
  failover: { readonly from: string; readonly to: string; readonly reason: string };
  /** Messages may have been lost between `from` and `to`. */
  gap: Gap;
}

/** Counters of one bus, since `start()`. */
export interface BusStats {
  readonly published: number;
  /** Messages handed to the transport. */
  readonly sent: number;
  /** Inbound messages accepted (after verification and validation). */
  readonly received: number;
  /** Handler invocations. */
  readonly delivered: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  /** Sum of `rejected`. */
  readonly rejectedTotal: number;
  readonly handlerErrors: number;
  /** Messages dropped by overflow policies. */
  readonly overflowDrops: number;
  /** Own messages echoed back by the transport and ignored. */
  readonly echoes: number;
  /** Verified messages for topics with no local subscriber (e.g. just unsubscribed). */
  readonly unrouted: number;
  readonly gaps: number;
  /** Publishers forgotten by the replay cache because it was full. */
  readonly replayEvictions: number;
}

/** Options of `createBus`. */
export interface BusOptions<D extends TopicDefs> {
  readonly registry: Registry<D>;
  /** Signing and verification keys. */
  readonly keys: KeyConfig;
  /**
   * The transport: an instance, a name, a fallback list, or `'auto'` (Redis, then PostgreSQL,
   * then in-process). The environment variable `HERALD_TRANSPORT` forces one by name.
   * @default 'auto'
   * @example ['redis', 'postgres', 'local']
   */
  readonly transport?: TransportChoice;
  /** Options of the fallback chain and of the built-in transports it creates. */
  readonly transportOptions?: ChainOptions;
  /**
   * This node's id: unique among the nodes that share a transport. 1-64 of [A-Za-z0-9_.-].
   * @default `node-<random>`
   */
  readonly nodeId?: string;
  /** Precompiled payload checks from `herald codegen`, by `<topicKey>.<event>@<version>`. */
  readonly validators?: Readonly<Record<string, CheckFunction>>;
  readonly limits?: DecodeLimits;
  readonly freshness?: FreshnessOptions;
  /** Default queue settings of every subscription. */
  readonly queue?: QueueOptions;
  /**
   * Where spans, metrics and events go. `false` turns instrumentation off entirely.
   * @default otelInstrumentation() — OpenTelemetry through the global API; near zero cost while
   * no SDK is registered
   */
  readonly instrumentation?: Instrumentation | false;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** The bus. */
export interface Bus<D extends TopicDefs = TopicDefs> {
  readonly nodeId: string;
  readonly registry: Registry<D>;
  /** Connects the transport and server-subscribes every existing subscription. */
  start(): Promise<void>;
  /** Closes the transport, drops subscriptions and ends streams. Idempotent. */
  stop(): Promise<void>;

  /** Subscribes to a concrete topic. Resolves once the transport confirmed the subscription. */
  subscribe<S extends TopicName<D>, E extends EventNames<DefOf<D, S>> = EventNames<DefOf<D, S>>>(
    topic: S,
    handler: Handler<Extract<MessageOf<DefOf<D, S>>, { event: E }>>,
    options?: SubscribeOptions<E>,
  ): Promise<Subscription>;
  /** Removes a subscription (same as `subscription.unsubscribe()`). */
  unsubscribe(subscription: Subscription): Promise<void>;
  /** A named subscriber whose subscriptions can be excluded and removed together. */
  subscriber(name?: string): Subscriber;
  /** An async iterator over a topic's messages; `break` or `return()` unsubscribes. */
  stream<S extends TopicName<D>, E extends EventNames<DefOf<D, S>> = EventNames<DefOf<D, S>>>(
    topic: S,
    options?: SubscribeOptions<E>,
  ): AsyncIterableIterator<Extract<MessageOf<DefOf<D, S>>, { event: E }>>;

  /** Validates and publishes to every subscriber on every node. */
  broadcast<S extends TypedTopicName<D>, E extends EventNames<DefOf<D, S>>>(
    topic: S,
    event: E,
    payload: PayloadOf<DefOf<D, S>, E>,
  ): Promise<PublishReceipt>;
  /** Like `broadcast`, but the sender's own subscriptions do not receive it. */
  broadcastFrom<S extends TypedTopicName<D>, E extends EventNames<DefOf<D, S>>>(
    sender: Subscriber,
    topic: S,
    event: E,
    payload: PayloadOf<DefOf<D, S>, E>,
  ): Promise<PublishReceipt>;
  /** Publishes to the subscribers of one node only. */
  directBroadcast<S extends TypedTopicName<D>, E extends EventNames<DefOf<D, S>>>(
    node: string,
    topic: S,
    event: E,
    payload: PayloadOf<DefOf<D, S>, E>,
  ): Promise<PublishReceipt>;
  /** Publishes to this bus instance's subscribers only; nothing crosses the transport. */
  localBroadcast<S extends TypedTopicName<D>, E extends EventNames<DefOf<D, S>>>(
    topic: S,
    event: E,
    payload: PayloadOf<DefOf<D, S>, E>,
  ): Promise<PublishReceipt>;
  /** Publishes an unvalidated (still signed) payload on a topic declared with `rawTopic`. */
  broadcastRaw(topic: RawTopicName<D>, event: string, payload: unknown): Promise<PublishReceipt>;

  /** Subscriptions on this bus instance to a topic. */
  subscriberCount(topic: string): number;
  /** Topics with at least one local subscription. */
  topics(): string[];
  /** The active transport and its connection state. */
  transport(): TransportStatus;
  /** Counters since start. */
  stats(): BusStats;
  /** Listens to a bus event; returns a function that removes the listener. */
  on<K extends keyof BusEvents>(event: K, listener: (value: BusEvents[K]) => void): () => void;
}

/** Builds a typed concrete topic: re-exported helper type for generated clients. */
export type TopicParams<D extends TopicDefs, K extends keyof D> = ParamsOf<D[K]>;
