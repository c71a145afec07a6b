/**
 * The bus's own API types: `BusCore` (what every bus does), its options, the events it emits and
 * its counters. Messages, subscriptions and topic names are in types.ts.
 */
import type { ChainOptions, TransportChoice } from '../adapters/chain.js';
import type { TransportStatus } from '../adapters/transport.js';
import type { HeraldError } from '../errors.js';
import type { SharedSchemaOptions } from '../registry-store/reader.js';
import type { EventNames, PayloadOf, Registry, TopicDefs } from '../schemas/define.js';
import type { CheckFunction } from '../schemas/validator.js';
import type { DecodeLimits } from '../security/codec.js';
import type { FreshnessOptions } from '../security/freshness.js';
import type { KeyConfig } from '../security/keys.js';
import type { Rejection, RejectReason } from '../security/reasons.js';
import type { BatchingOptions } from './batcher.js';
import type { DuplicateNode } from './duplicate-node.js';
import type { DeadLetter } from './durable-options.js';
import type { GroupHeartbeatOptions } from './group-members.js';
import type { Instrumentation } from './instrumentation.js';
import type { LogOption } from './report.js';

import type {
  BatchHandler,
  BatchSubscribeOptions,
  DefOf,
  Gap,
  Handler,
  MessageOf,
  OverflowPolicy,
  PublishReceipt,
  QueueOptions,
  RawTopicName,
  SubscribeOptions,
  Subscriber,
  Subscription,
  TopicName,
  TypedTopicName,
} from './types.js';

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
  /**
   * A durable subscription gave a message up: its handler failed on each of `deliveries`
   * deliveries (`redelivery.maxDeliver`). The message is never delivered to that subscription
   * again; `error` is the last failure (docs/bus.md "Dead letters").
   */
  dead_letter: DeadLetter;
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
   * Micro-batching: the publishes to one channel within one tick, after the first (which goes out
   * at once, alone), travel as one signed batch envelope, each message still validated,
   * numbered, de-duplicated and traced on its own (docs/bus.md#micro-batching). Unset: on over
   * remote transports (Redis, Redis Cluster, PostgreSQL, NATS: `Transport.remote`) and the
   * in-process hub (`Transport.batched`).
   * `true` or an options object: on over every transport. `false`: off, one envelope per message.
   * @default on over remote transports and the hub, `{ maxMessages: 100 }`
   * @example { batching: false }
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
  /**
   * Heartbeats of consumer-group membership, on transports that serve groups: a member unheard
   * for `timeoutMs` is lost, and the group's other members get a gap (docs/bus.md#consumer-groups).
   * @default { heartbeatMs: 1000, timeoutMs: 3000 }
   */
  readonly groupHeartbeat?: GroupHeartbeatOptions;
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
