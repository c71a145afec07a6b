/**
 * The bus's public types: options, messages, subscriptions, events and statistics.
 */

import type { ChainOptions, TransportChoice } from '../adapters/chain.js';
import type { TransportStatus } from '../adapters/transport.js';
import type { HeraldError } from '../errors.js';
import type { SharedSchemaOptions } from '../registry-store/reader.js';
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
import type { LogOption } from '../telemetry/report.js';
import type { Instrumentation } from '../telemetry/types.js';
import type { BatchingOptions } from './batcher.js';
import type { DuplicateNode } from './duplicate-node.js';
import type {
  BatchOptions,
  DebounceOptions,
  SubscriptionCounts,
  ThrottleOptions,
} from './helpers/options.js';

/**
 * The same union of topic strings, spelled out: a distributive conditional returns a fresh union,
 * so a compile error on a mistyped topic lists the templates (`` `order:${string}` |
 * `room:${string}` ``) instead of the alias and the whole registry type (issue 15).
 */
type Spelled<T> = T extends string ? T : never;

/** Every concrete topic string the registry accepts, as a template literal union. */
export type TopicName<D extends TopicDefs> = Spelled<
  {
    [K in keyof D]: TopicPattern<D[K]['template']>;
  }[keyof D]
>;

/** Concrete topics of typed (non-raw) topics: what `broadcast` accepts. */
export type TypedTopicName<D extends TopicDefs> = Spelled<
  {
    [K in keyof D]: D[K]['raw'] extends true ? never : TopicPattern<D[K]['template']>;
  }[keyof D]
>;

/** Concrete topics of raw topics: what `broadcastRaw` accepts. */
export type RawTopicName<D extends TopicDefs> = Spelled<
  {
    [K in keyof D]: D[K]['raw'] extends true ? TopicPattern<D[K]['template']> : never;
  }[keyof D]
>;

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
  /**
   * Publish time, ms since the Unix epoch. The clock is read once per burst of publishes in one
   * synchronous stretch (at most 64), so it is never later than the real time (src/bus/clock.ts).
   */
  readonly time: number;
  /** Schema version of the payload: this node's latest version of the event. */
  readonly version: number;
  /**
   * The version the producer wrote, when it differs from `version`: the payload was upgraded
   * by upcasters, or read as-is from a compatible version (docs/schema-evolution.md).
   */
  readonly writerVersion?: number;
  /** Topic parameters, as they appear in the topic. */
  readonly params: Readonly<Record<string, string>>;
  /** True when it was published on this bus instance (never encoded or signed). */
  readonly local: boolean;
  /** Key id that verified it (remote messages only). */
  readonly kid?: string;
  /** Size of the envelope on the wire, in bytes (remote messages only). */
  readonly size?: number;
  /**
   * W3C trace context of the publish span, when one was traced (local and remote messages).
   * Remote values are signed by the publisher but still untrusted: see docs/telemetry.md.
   */
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

/** A handler of `subscribeBatch`: messages in publish order, at most `batch.max` per call. */
export type BatchHandler<M> = (messages: readonly M[]) => void | Promise<void>;

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
  /**
   * Handler runs of this subscription in flight at once. 1 runs them one after another, which
   * keeps each publisher's order; above 1, handlers overlap and ordering is NOT guaranteed.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Messages waiting at which the bus emits `slow_consumer` (`slow: true`); 0 turns it off.
   * @default 80% of `limit`, rounded up (off with `latestOnly`)
   */
  readonly slowAt?: number;
  /**
   * Messages waiting at which a slow subscription is reported recovered (`slow: false`).
   * @default half of `slowAt`, rounded down
   */
  readonly recoverAt?: number;
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

/** Options of one subscription. `M` is the message type the handler receives. */
export interface SubscribeOptions<E extends string = string, M = Message> {
  /** Only these events (default: every event of the topic). */
  readonly events?: readonly E[];
  readonly queue?: QueueOptions;
  /** Only messages this predicate accepts reach the queue; the rest are counted as `filtered`. */
  filter?(message: M): boolean;
  /**
   * At most one delivery per `ms`: the first message at once (leading edge) and the newest of
   * the window when it ends (trailing edge). Messages in between are counted as `coalesced`.
   * @example { throttle: { ms: 500 } }
   */
  readonly throttle?: ThrottleOptions;
  /** One delivery once messages stop arriving for `ms`: the newest. The rest are `coalesced`. */
  readonly debounce?: DebounceOptions;
  /**
   * A slow consumer sees the newest state, never a backlog: one message waits at most, replaced
   * by each newer one (counted as `coalesced`).
   * @default false
   */
  readonly latestOnly?: boolean;
  /** The subscriber holding it (for `broadcastFrom` and `unsubscribeAll`). */
  readonly subscriber?: Subscriber;
  /** Unsubscribes when aborted. */
  readonly signal?: AbortSignal;
  /** Called when messages on this topic may have been lost (reconnect, failover). */
  readonly onGap?: (gap: Gap) => void;
}

/** Options of `subscribeBatch`: those of `subscribe` without throttle, debounce or latestOnly. */
export interface BatchSubscribeOptions<E extends string = string, M = Message>
  extends Omit<SubscribeOptions<E, M>, 'throttle' | 'debounce' | 'latestOnly'> {
  /**
   * Batch size and wait.
   * @example { max: 100, maxWaitMs: 50 }
   */
  readonly batch: BatchOptions;
  /** Not with batching. */
  readonly throttle?: never;
  /** Not with batching. */
  readonly debounce?: never;
  /** Not with batching. */
  readonly latestOnly?: never;
}

/** A live subscription. */
export interface Subscription {
  readonly id: number;
  readonly topic: string;
  /** Messages dropped by this subscription's overflow policy. */
  readonly dropped: number;
  /** Messages waiting in its queue. */
  readonly pending: number;
  /** True between a `slow_consumer` event with `slow: true` and the one with `slow: false`. */
  readonly slow: boolean;
  /** What its helpers and queue did with the messages it received. */
  readonly counts: SubscriptionCounts;
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
  /**
   * A subscription's backlog reached `queue.slowAt` (`slow: true`), or drained back to
   * `queue.recoverAt` (`slow: false`): like nats.js's `slow` status.
   */
  slow_consumer: {
    readonly topic: string;
    readonly subscription: number;
    readonly slow: boolean;
    readonly pending: number;
    readonly threshold: number;
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
  /**
   * A fallback chain started on a less preferred transport than its first (`transport`, not
   * `preferred`); `reason` says why each one before it failed. With `local`, only buses in this
   * process receive what this bus publishes.
   */
  degraded: { readonly transport: string; readonly preferred: string; readonly reason: string };
  /** Messages may have been lost between `from` and `to`. */
  gap: Gap;
  /**
   * Another running process uses this bus's node id: each side refuses the other's messages as
   * `duplicate_node` and reports it here once per other instance (with no listener: a process
   * warning on stderr). Give every process its own `nodeId`.
   */
  duplicate_node: DuplicateNode;
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

/**
 * Options of the bus itself; `createBus` takes these and the options of the system features it
 * installs (presence), in `BusOptions` (src/create-bus.ts).
 */
export interface BusCoreOptions<D extends TopicDefs> {
  readonly registry: Registry<D>;
  /** Signing and verification keys. */
  readonly keys: KeyConfig;
  /**
   * The transport: an instance, a name, a fallback list, or `'auto'`: the configured server
   * (`REDIS_URL`, `DATABASE_URL`, an address in `transportOptions`), which fails the start when
   * it does not answer; with nothing configured, Redis then PostgreSQL on loopback, then
   * in-process, reported when it is not Redis (docs/transports/chain.md). The environment
   * variable `HERALD_TRANSPORT` forces one by name.
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
  /**
   * The tenant this bus belongs to, when several tenants share one server (and perhaps a key).
   * Its tag is signed into every message (header `ten`), and the bus refuses as `wrong_tenant`
   * every message signed for another tenant or for none; a bus without a tenant refuses every
   * message signed for one. Give the transport the same tenant's prefix
   * (`tenantPrefix(tenant, 'redis' | 'postgres')`). docs/security.md#tenant-isolation.
   * @example createBus({ tenant: 'acme', transport: redisTransport({ prefix: tenantPrefix('acme', 'redis') }), ... })
   */
  readonly tenant?: string;
  /**
   * A shared schema store: this node registers its event versions before it first publishes
   * them, and looks up versions it does not declare (docs/schema-evolution.md).
   * @example { store: redisSchemaStore(redis) }
   */
  readonly schemas?: SharedSchemaOptions;
  /** Precompiled payload checks from `herald codegen`, by `<topicKey>.<event>@<version>`. */
  readonly validators?: Readonly<Record<string, CheckFunction>>;
  readonly limits?: DecodeLimits;
  readonly freshness?: FreshnessOptions;
  /** Default queue settings of every subscription. */
  readonly queue?: QueueOptions;
  /**
   * Micro-batching: remote publishes to one channel within one tick travel as one signed batch
   * envelope, each message still validated, numbered, de-duplicated and traced on its own
   * (docs/bus.md). Every node must run a Herald that reads batches (`herald/1+batch`).
   * @default false
   * @example { batching: { maxMessages: 100 } }
   */
  readonly batching?: boolean | BatchingOptions;
  /**
   * Where spans, metrics and events go. `false` turns instrumentation off entirely.
   * @default otelInstrumentation() — OpenTelemetry through the global API; near zero cost while
   * no SDK is registered
   */
  readonly instrumentation?: Instrumentation | false;
  /**
   * Loud by default: while nothing listens to them, rejections, handler errors, overflow drops,
   * cancelled subscriptions, disconnects, failovers, degraded starts and gaps are written to
   * stderr, each with its fix, rate-limited per reason (docs/bus.md). A listener for a kind
   * (`bus.on('rejected', ...)`) or `attachLogger(bus)` takes them off stderr; this option
   * redirects them (a function of one line, or a stream) or, with `false`, silences them.
   * @default process.stderr, one summary line per reason per 10 s after the first
   * @example { log: false } or { log: (line) => myLogger.warn(line) } or { log: { intervalMs: 60_000 } }
   */
  readonly log?: LogOption;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
  /**
   * Publish draft event versions (`event(schema, { draft: true })`). Without it, publishing a
   * draft throws CONFIG_INVALID: an unreleased schema may still change under its consumers.
   * @default false
   */
  readonly drafts?: boolean;
}

/**
 * The bus itself: subscribe, publish on every route, lifecycle and stats. `Bus` (src/create-bus.ts)
 * adds the APIs of the system features installed on it (presence).
 */
export interface BusCore<D extends TopicDefs = TopicDefs> {
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
    options?: SubscribeOptions<E, Extract<MessageOf<DefOf<D, S>>, { event: E }>>,
  ): Promise<Subscription>;
  /** Removes a subscription (same as `subscription.unsubscribe()`). */
  unsubscribe(subscription: Subscription): Promise<void>;
  /** A named subscriber whose subscriptions can be excluded and removed together. */
  subscriber(name?: string): Subscriber;
  /**
   * Subscribes with a handler that receives arrays of messages (`batch.max` and/or
   * `batch.maxWaitMs`). Each call runs in one consumer span linked to every producer.
   */
  subscribeBatch<
    S extends TopicName<D>,
    E extends EventNames<DefOf<D, S>> = EventNames<DefOf<D, S>>,
  >(
    topic: S,
    handler: BatchHandler<Extract<MessageOf<DefOf<D, S>>, { event: E }>>,
    options: BatchSubscribeOptions<E, Extract<MessageOf<DefOf<D, S>>, { event: E }>>,
  ): Promise<Subscription>;
  /** An async iterator over a topic's messages; `break` or `return()` unsubscribes. */
  stream<S extends TopicName<D>, E extends EventNames<DefOf<D, S>> = EventNames<DefOf<D, S>>>(
    topic: S,
    options?: SubscribeOptions<E, Extract<MessageOf<DefOf<D, S>>, { event: E }>>,
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
