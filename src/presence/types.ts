/**
 * Public types of presence (`bus.presence`): who is on a topic, on every node, updated live.
 * Metas are typed by the `presence` schema of the topic in the registry.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { DefOf } from '../bus/types.js';
import type { TopicDefs } from '../schemas/define.js';
import type { TopicPattern } from '../schemas/template.js';

/** Concrete topics of the topics that declare a `presence` schema. */
export type PresenceTopicName<D extends TopicDefs> = {
  [K in keyof D]: D[K]['presence'] extends TSchema ? TopicPattern<D[K]['template']> : never;
}[keyof D];

/** The meta type of a presence topic, from its schema. */
export type PresenceMetaOf<D extends TopicDefs, S extends string> = DefOf<
  D,
  S
>['presence'] extends infer PS extends TSchema
  ? Static<PS>
  : never;

/** One tracked presence of a key: a tab, a device, a connection. */
export interface PresenceMeta<M> {
  readonly meta: M;
  /** Unique id of this version of the presence; a new one on every update. */
  readonly ref: string;
  /** The ref this one replaced, on an update. */
  readonly prevRef?: string;
  /** The node that tracks it. */
  readonly node: string;
  /** Who holds it on that node (a connection or tab id); `'default'` unless given. */
  readonly owner: string;
  /** When it was first tracked, in ms since the Unix epoch (clock of the tracking node). */
  readonly onlineAt: number;
}

/** One key's presences, plus whatever a `fetch` hook adds (`X`). */
export type PresenceEntry<M, X = {}> = { readonly metas: readonly PresenceMeta<M>[] } & X;

/** A topic's presences by key. */
export type PresenceListing<M, X = {}> = Readonly<Record<string, PresenceEntry<M, X>>>;

/**
 * What changed: keys with joined metas, keys with left metas. An update is a leave of the old meta
 * and a join of the new one (with a new ref whose `prevRef` is the old one).
 */
export interface PresenceDiff<M, X = {}> {
  readonly joins: PresenceListing<M, X>;
  readonly leaves: PresenceListing<M, X>;
}

/**
 * Enriches a listing or each side of a diff, once per call for all keys (one query, not one per
 * key): the counterpart of Phoenix.Presence's `fetch/2`. It must keep `metas` as they are.
 * @example async (topic, entries) => { const users = await db.users(Object.keys(entries)); ... }
 */
export type PresenceFetch<M, X> = (
  topic: string,
  entries: PresenceListing<M>,
) => PresenceListing<M, X> | Promise<PresenceListing<M, X>>;

/** What a presence subscriber receives: the topic's state first, then each diff. */
export type PresenceEvent<M, X = {}> =
  | {
      readonly topic: string;
      readonly event: 'presence_state';
      readonly payload: PresenceListing<M, X>;
    }
  | {
      readonly topic: string;
      readonly event: 'presence_diff';
      readonly payload: PresenceDiff<M, X>;
    };

/** Options of `track`, `update` and `untrack`. */
export interface TrackOptions {
  /**
   * Who holds the presence on this node: a connection, socket or tab id. One key may have one
   * presence per owner (several tabs of one user); the same (topic, key, owner) is one presence,
   * so tracking it again is an update or nothing.
   * @default 'default'
   */
  readonly owner?: string;
}

/** Options of `list` and `subscribe`. */
export interface PresenceReadOptions<M, X> {
  /** Adds data to each key (see {@link PresenceFetch}). */
  readonly fetch?: PresenceFetch<M, X>;
}

/** Options of `presence.subscribe`. */
export interface PresenceSubscribeOptions<M, X> extends PresenceReadOptions<M, X> {
  /** Unsubscribes when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Most events waiting for a slow handler. Past it, the waiting events are replaced by one
   * `presence_state` with the current listing: a slow consumer skips diffs, never loses state.
   * @default 256
   */
  readonly limit?: number;
}

/** A live presence subscription. */
export interface PresenceSubscription {
  readonly topic: string;
  readonly active: boolean;
  /** Events waiting for the handler. */
  readonly pending: number;
  /** Times a backlog was replaced by a fresh `presence_state`. */
  readonly resets: number;
  /** Removes it. Idempotent. */
  unsubscribe(): void;
}

/** Presence settings of `createBus` (docs/presence.md explains each). */
export interface PresenceOptions {
  /**
   * Interval of this node's heartbeat, in ms. Each heartbeat is one small message whatever the
   * number of presences: the node's epoch, version and digest.
   * @default 1500
   */
  readonly heartbeatMs?: number;
  /**
   * Silence after which a peer is down: its presences leave (they come back if it does).
   * @default 30000
   */
  readonly downAfterMs?: number;
  /**
   * Silence after which a down peer is forgotten entirely.
   * @default 1200000 (20 minutes)
   */
  readonly permdownAfterMs?: number;
  /**
   * Most presences per node: this node refuses to track more, and ignores a peer's state beyond it.
   * @default 10000
   */
  readonly maxPresences?: number;
}

/** One peer as this node sees it. */
export interface PresencePeer {
  readonly node: string;
  readonly epoch: string;
  readonly version: number;
  /** False once silent for `downAfterMs`. */
  readonly up: boolean;
  readonly presences: number;
  /** ms since its last message. */
  readonly silentMs: number;
}

/** Counters of this node's presence. */
export interface PresenceStats {
  readonly epoch: string;
  readonly version: number;
  /** Presences this node tracks. */
  readonly presences: number;
  readonly peers: readonly PresencePeer[];
  /** Messages sent, by kind. */
  readonly sent: Readonly<Record<'hb' | 'delta' | 'state' | 'sync' | 'leave', number>>;
  /** Sends the transport refused (peers catch up through the next heartbeat). */
  readonly sendErrors: number;
  /** Inbound presence messages ignored: malformed, stale, from an old epoch, or over the cap. */
  readonly ignored: number;
  /** Peers marked down, and back up. */
  readonly downs: number;
  readonly ups: number;
}

/** Presence on a bus: `bus.presence`. Typed by the registry's `presence` schemas. */
export interface Presence<D extends TopicDefs = TopicDefs> {
  /** True when presence runs on this bus (the registry declares a presence topic). */
  readonly enabled: boolean;
  /**
   * Tracks `key` (a user id) on `topic` with a meta, as `options.owner` (default `'default'`).
   * Idempotent: tracking the same (topic, key, owner) again is an update when the meta differs,
   * and nothing when it does not. Resolves with the presence's ref once peers were told.
   */
  track<S extends PresenceTopicName<D>>(
    topic: S,
    key: string,
    meta: PresenceMetaOf<D, S>,
    options?: TrackOptions,
  ): Promise<string>;
  /**
   * Replaces the meta of a tracked presence (or derives it from the current one). Resolves with
   * the new ref, or `undefined` when no such presence is tracked (nothing happens).
   */
  update<S extends PresenceTopicName<D>>(
    topic: S,
    key: string,
    meta: PresenceMetaOf<D, S> | ((current: PresenceMetaOf<D, S>) => PresenceMetaOf<D, S>),
    options?: TrackOptions,
  ): Promise<string | undefined>;
  /** Stops tracking one presence. Idempotent: resolves false when it was not tracked. */
  untrack<S extends PresenceTopicName<D>>(
    topic: S,
    key: string,
    options?: TrackOptions,
  ): Promise<boolean>;
  /** Stops tracking every presence of one owner (a closed connection), on every topic. */
  untrackOwner(owner: string): Promise<number>;
  /** The presences of a topic on every live node, by key. */
  list<S extends PresenceTopicName<D>, X = {}>(
    topic: S,
    options?: PresenceReadOptions<PresenceMetaOf<D, S>, X>,
  ): Promise<PresenceListing<PresenceMetaOf<D, S>, X>>;
  /** Delivers the topic's `presence_state`, then a `presence_diff` for each change. */
  subscribe<S extends PresenceTopicName<D>, X = {}>(
    topic: S,
    handler: (event: PresenceEvent<PresenceMetaOf<D, S>, X>) => void | Promise<void>,
    options?: PresenceSubscribeOptions<PresenceMetaOf<D, S>, X>,
  ): Promise<PresenceSubscription>;
  /** Epoch, version, peers and counters. */
  stats(): PresenceStats;
}
