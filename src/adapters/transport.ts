/**
 * The transport contract: what an adapter implements. An adapter moves encoded envelopes between
 * processes and reports its connection state; nothing else. Matching, local delivery, validation,
 * signatures, freshness, tracing and backpressure live once, in the bus (Phoenix.PubSub's adapter
 * is four callbacks; this is five methods).
 *
 * Channels are opaque strings chosen by the bus (a concrete topic such as `room:42`, or `$node:<id>`
 * for direct messages). An adapter may map them to its own names (a prefix, a hash, a length
 * limit), but must map the same channel to the same name on every node.
 *
 * Template subscriptions (docs/templates.md, normative): `subscribeTemplate('health:node:{node}')`
 * asks for every concrete topic of a template. A transport with native patterns (Redis
 * PSUBSCRIBE, NATS wildcards, the in-process hub) subscribes a pattern that matches at least
 * those topics and hands each message to the sink with its concrete channel and the template.
 * A transport without patterns (Redis Cluster sharded pub/sub, PostgreSQL LISTEN) mirrors: its
 * `publish` receives the topic's template and sends the same bytes on the template channel
 * `templateChannel(template)` too, and `subscribeTemplate` subscribes that one channel. Either way
 * the bus filters by the template after receipt, so a pattern may match more than the template.
 */

import type { DurableStore } from './durable.js';

/** Connection states a transport reports. */
export const ConnectionState = {
  Idle: 'idle',
  Connecting: 'connecting',
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Closed: 'closed',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Connection events a transport emits; the bus turns them into bus events and gaps. */
export type TransportEvent =
  | {
      readonly type: 'connected';
      /**
       * Set by a fallback chain that connected to a less preferred member than its first: which
       * one it preferred, and why every member before the active one failed.
       */
      readonly degraded?: { readonly preferred: string; readonly reason: string };
    }
  | {
      readonly type: 'disconnected';
      readonly reason: string;
      /**
       * When the connection was last known to work (ms since the epoch), if earlier than now:
       * a half-open connection is noticed only after a heartbeat timeout, and messages may have
       * been lost since. The gap starts here.
       */
      readonly since?: number;
    }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  /** Every server-side subscription is back, confirmed by a round trip; `ms` since the disconnect. */
  | { readonly type: 'resubscribed'; readonly channels: number; readonly ms: number }
  /** A fallback chain moved from one transport to another (messages may be lost in between). */
  | {
      readonly type: 'failover';
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    };

/** What the bus hands a transport on connect. */
export interface TransportSink {
  /**
   * Bytes received on a channel. Must not throw; the bus treats them as untrusted. `template` is
   * set when they came through a template subscription (`subscribeTemplate`): `channel` is then
   * the concrete channel when the transport knows it (a native pattern), else the template
   * channel (a mirror). The bus drops such a copy when it also holds a concrete subscription to
   * the message's topic (that copy carries it to both), so each subscription gets it once.
   */
  message(channel: string, data: string | Uint8Array, template?: string): void;
  /**
   * Bytes received through a consumer-group subscription (`subscribe(channel, group)`): the
   * server chose this node as the group's one receiver, and this node's own publishes come back
   * this way. Must not throw; untrusted like `message`. Transports with `groups` call it.
   */
  groupMessage?(channel: string, group: string, data: string | Uint8Array): void;
  /** A connection event. */
  event(event: TransportEvent): void;
  /**
   * Bytes a transport received but could not turn into a message, for a reason only it can
   * tell (PostgreSQL: a claim-check marker whose row does not exist, as a forged one). The bus
   * counts it as a `malformed` rejection; it touches no subscription and signals no gap. A sink
   * without it gets nothing for such bytes (transports call it as `sink.refused?.(...)`).
   */
  refused?(channel: string, detail: string): void;
}

/** A snapshot of a transport's state, for `bus.transport()`. */
export interface TransportStatus {
  readonly name: string;
  readonly state: ConnectionState;
  /** When the current state began (ms since the Unix epoch). */
  readonly since: number;
  /** Server-side channels currently subscribed (template subscriptions included). */
  readonly channels: number;
  /** Adapter-specific details (server address, buffer use, ...). Never secrets. */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

/** The adapter interface. */
export interface Transport {
  /** Short name: `local`, `redis`, `postgres`, ... */
  readonly name: string;
  /** Connects and starts delivering to `sink`. Rejects with a TransportError when it cannot. */
  connect(sink: TransportSink): Promise<void>;
  /**
   * Sends one encoded envelope to every other node subscribed to `channel`. Resolves once the
   * server has taken it; rejects with a TransportError otherwise (never "ok" on a dead connection).
   * `template` is the template of the channel's topic when the topic is declared `wildcard` (may
   * be subscribed by template); a mirroring transport also sends the bytes on
   * `templateChannel(template)`, in the same round trip. Others ignore it.
   */
  publish(channel: string, data: string, template?: string): Promise<void>;
  /**
   * Subscribes this node to a channel. The bus calls it once per channel (it counts references).
   * With `group` (only when `groups` is true): a consumer-group subscription, separate from the
   * plain one; each message goes to one node among all those subscribed with that group, and
   * arrives through `sink.groupMessage(channel, group, data)`.
   */
  subscribe(channel: string, group?: string): Promise<void>;
  /** Removes the server-side subscription of a channel (of its `group` subscription when given). */
  unsubscribe(channel: string, group?: string): Promise<void>;
  /**
   * Optional: subscribes this node to every concrete topic of `template` (a registry template
   * with at least one `{param}`, e.g. `health:node:{node}`). The bus calls it once per template.
   * It resolves once messages published afterwards will arrive, and it is covered by reconnects,
   * resubscription (counted in `resubscribed.channels`) and failover like a channel. A transport
   * without it cannot carry template subscriptions: the bus refuses them with CONFIG_INVALID.
   */
  subscribeTemplate?(template: string): Promise<void>;
  /** Optional, with `subscribeTemplate`: removes a template subscription. */
  unsubscribeTemplate?(template: string): Promise<void>;
  /**
   * Optional: true when the transport serves consumer groups (`subscribe(channel, group)`), as
   * NATS queue groups do. The bus refuses a group subscription on any other transport.
   */
  readonly groups?: boolean;
  /**
   * Optional: stored topics (durable.ts), for topics declared `durable` in the registry; the bus
   * refuses durable topics on a transport without it.
   */
  readonly durable?: DurableStore | undefined;
  /** Closes every connection. Idempotent. */
  close(): Promise<void>;
  /** The current state. */
  status(): TransportStatus;
  /**
   * Optional: true while a fallback chain runs on a less preferred transport than its first
   * (for example `local` because every remote server is down). Publish receipts report it.
   */
  readonly degraded?: boolean;
  /**
   * Optional: true for a transport that crosses a network (Redis, Redis Cluster, PostgreSQL), where
   * one message more costs a round trip or a server wake-up. The bus micro-batches over it by
   * default (docs/bus.md#micro-batching). Absent or false: an in-process transport, batched only
   * when the bus asks for it (`batching: true`). A custom network transport should set it.
   */
  readonly remote?: boolean;
  /**
   * Optional: true when the bus micro-batches over it by default though it is not remote: the
   * in-process hub, whose messages between buses are signed and verified as over a network.
   */
  readonly batched?: boolean;
  /**
   * Optional: the largest message in bytes this transport carries in one piece (PostgreSQL: the
   * NOTIFY payload limit). The bus keeps batch envelopes under it.
   */
  readonly batchBytes?: number;
  /**
   * Optional: false when no other node can be subscribed to `channel`, so the bus may skip
   * encoding and signing. Only transports that know every subscriber (in-process) implement it.
   * `template` is given as to `publish`: a template subscription elsewhere is interest too.
   */
  hasRemoteInterest?(channel: string, template?: string): boolean;
}

/** The prefix of template channels: `$tpl:<template>`, e.g. `$tpl:health:node:{node}`. */
export const TEMPLATE_CHANNEL_PREFIX = '$tpl:';

/**
 * The Herald channel that carries every topic of `template` on a mirroring transport (normative,
 * docs/templates.md): `$tpl:` followed by the template as declared. Transports map it to their
 * own names like any other channel.
 */
export function templateChannel(template: string): string {
  return TEMPLATE_CHANNEL_PREFIX + template;
}
