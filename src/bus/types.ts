/**
 * The bus's public types: topic names, messages, handlers, subscriptions and receipts. The bus's
 * own API (BusCore, its options, events and counters) is in api-types.ts, re-exported here.
 */

import type { EventNames, ParamsOf, PayloadOf, TopicDef, TopicDefs } from '../schemas/define.js';
import type { ParamNames, TopicPattern } from '../schemas/template.js';
import type { RedeliveryOptions } from './durable-options.js';
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
  /**
   * Durable subscriptions only: how often the store handed it to the consumer (1 the first time).
   * Above 1, an earlier delivery may have run the handler: check your own records for `id`.
   */
  readonly deliveries?: number;
}

/** A topic's parameters as they appear in the topic: `{ node: 'n1' }` for `health:node:n1`. */
export type TopicParamValues<T extends string> = { readonly [K in ParamNames<T>]: string };

/** One delivered message. `event` discriminates the payload type. */
export interface Message<
  E extends string = string,
  P = unknown,
  Q extends Readonly<Record<string, string>> = Readonly<Record<string, string>>,
> {
  /** The concrete topic it was published on (also under a template subscription). */
  readonly topic: string;
  readonly event: E;
  readonly payload: P;
  /**
   * The topic's parameters, as they appear in the topic: with a subscription to
   * `health:node:{node}`, `params.node` says which node's topic it came from.
   */
  readonly params: Q;
  readonly meta: MessageMeta;
}

/** The union of messages a topic definition can carry. */
export type MessageOf<T extends TopicDef> = {
  [E in EventNames<T>]: Message<E, PayloadOf<T, E>, TopicParamValues<T['template']>>;
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
  /**
   * Set when a member of a consumer group was lost (group-members.ts): only the messages of
   * `topic` that the server had handed to that member may be lost, and only this group's
   * subscriptions are told.
   */
  readonly group?: string;
  /** The group's topic, with `group`. */
  readonly topic?: string;
  /** The lost member's node, with `group`. */
  readonly node?: string;
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
  /**
   * Called when messages on this topic may have been lost (reconnect, failover; on a group
   * subscription also when a member of its group died: the gap then names `group` and `node`).
   */
  readonly onGap?: (gap: Gap) => void;
  /**
   * A consumer group: each message of the topic goes to ONE subscription of this group among
   * every node subscribed with it, instead of to every subscriber (NATS queue groups). Only on
   * transports that serve groups (`nats`); refused with a ConfigError on the others. The
   * subscription does not receive this node's own publishes directly: the server picks the member.
   * @example { group: 'receipts' }
   */
  readonly group?: string;
  /**
   * A named durable subscription of a topic declared `durable`: reads the stored log from its
   * last acknowledged message (the server keeps its position across restarts and outages); the
   * handler's completion acknowledges (docs/bus.md "Durable subscriptions"). A `group` on a
   * durable topic is durable too: one shared consumer, each message to one member.
   * @example { durable: 'billing' }
   */
  readonly durable?: string;
  /** Redelivery of a durable subscription's failing messages, and its dead letters. */
  readonly redelivery?: RedeliveryOptions;
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

/** Builds a typed concrete topic: re-exported helper type for generated clients. */
export type TopicParams<D extends TopicDefs, K extends keyof D> = ParamsOf<D[K]>;

export type { BusCore, BusCoreOptions, BusEvents, BusStats } from './api-types.js';
