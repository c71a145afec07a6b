/**
 * The state one bus shares between its steps (options, publish, receive, subscribe, gaps,
 * lifecycle): one object every step takes, instead of eleven `let`s in one closure. Fields that
 * change over the bus's life (`state`, `epoch`, `seq`, the counters) are plain properties, so a
 * hot path reads them as it read the closure's variables: no getters, no allocation.
 *
 * Invariant: only lifecycle.ts assigns `state`, `epoch`, `idPrefix`, `freshness` and `batcher`.
 */

import { resolveTransport } from '../adapters/chain.js';
import type { Transport } from '../adapters/transport.js';
import { ErrorCode, HeraldError, TransportError } from '../errors.js';
import { createVersionReader, type VersionReader } from '../registry-store/reader.js';
import type { EventEntry, Registry, TopicDefs } from '../schemas/define.js';
import type { Validator } from '../schemas/validator.js';
import { type Codec, createCodec } from '../security/codec.js';
import { createFreshness, type Freshness, replayTtlMs } from '../security/freshness.js';
import { createKeyRing } from '../security/keys.js';
import { type Rejection, RejectReason } from '../security/reasons.js';
import { createReplayGate, type ReplayGate } from '../security/replay.js';
import type { Batcher } from './batcher.js';
import { burstClock } from './clock.js';
import type { DuplicateWatch } from './duplicate-node.js';
import type { DurableRun } from './durable.js';
import { Emitter } from './emitter.js';
import type { GroupMembers } from './group-members.js';
import { type IdHead, noIdHead } from './ids.js';
import type { Instrumentation } from './instrumentation.js';
import {
  type BatchSettings,
  batchSettings,
  DEFAULT_MAX_BYTES,
  freshnessDefaults,
  nodeIdOf,
} from './options.js';
import type { TopicPlan } from './plan.js';
import type { ReceiptBase } from './receipt.js';
import { createReporter, type Reporter } from './report.js';
import type { SystemClient } from './system.js';
import { type SubscriberState, SubscriptionTable } from './table.js';
import type { BusCoreOptions, BusEvents, BusStats } from './types.js';

/** Where a bus is in its life. */
export type BusState = 'idle' | 'starting' | 'started' | 'stopped';

/** The counters behind `bus.stats()`, mutable. */
export type Counters = {
  -readonly [K in Exclude<keyof BusStats, 'replayEvictions'>]: BusStats[K];
} & {
  readonly rejected: Record<RejectReason, number>;
};

/** The transport channel of direct messages to a node. */
export const nodeChannel = (node: string): string => `$node:${node}`;

/** The shared state of one bus. */
export interface BusContext {
  readonly options: BusCoreOptions<TopicDefs>;
  readonly registry: Registry;
  readonly nodeId: string;
  /** This node's direct channel, `$node:<id>`. */
  readonly ownChannel: string;
  /** The plain clock: gaps, timers, system messages. */
  readonly now: () => number;
  /** The burst clock of publish stamps and freshness checks (clock.ts). */
  readonly stamp: () => number;
  readonly codec: Codec;
  readonly maxBytes: number;
  readonly transport: Transport;
  readonly reporter: Reporter | undefined;
  readonly events: Emitter<BusEvents>;
  readonly table: SubscriptionTable;
  /** Consumer-group subscriptions, one table per group (groups.ts). */
  readonly groups: Map<string, SubscriptionTable>;
  readonly subscribers: Map<string, SubscriberState>;
  /** Validators of this bus, precompiled ones first (publish.ts). */
  readonly validators: Map<EventEntry, Validator>;
  /** Raw event names already checked (publish.ts). */
  readonly rawEvents: Set<string>;
  /** Publish plans by concrete topic (plan.ts): immutable facts, bounded. */
  readonly plans: Map<string, TopicPlan>;
  readonly versions: VersionReader;
  readonly instrumentation: Instrumentation | undefined;
  readonly batching: BatchSettings | undefined;
  /** Server-side (un)subscribe calls in flight, per channel (subscribe.ts). */
  readonly channelOps: Map<string, Promise<void>>;
  /** Templates with a subscription in the table (templates.ts): empty costs publish nothing. */
  readonly templateKeys: Set<string>;
  readonly streams: Set<{ end(): void }>;
  /** Durable subscriptions (durable.ts): opened at start, closed at stop. */
  readonly durables: Set<DurableRun>;
  readonly replayGate: ReplayGate | undefined;
  /** System features (presence, ...) by their reserved channel (system.ts). */
  readonly system: Map<string, SystemClient>;
  /** The duplicate-node watch, set once by createBus (it sends through a system port). */
  duplicates: DuplicateWatch | undefined;
  /** Consumer-group membership (group-members.ts), on transports that serve groups. */
  groupMembers: GroupMembers | undefined;
  /** The transport outage a coming gap will cover: since when (undefined: none) and why (gaps.ts). */
  readonly outage: { since: number | undefined; reason: string };
  state: BusState;
  starting: Promise<void> | undefined;
  /** This start's instance id; a restart takes a new one. */
  epoch: string;
  /** `node:epoch:`, the start of every id this bus publishes under (one concatenation per publish). */
  idPrefix: string;
  /** The head of this bus's message ids for the current thousand (ids.ts). */
  readonly idHead: IdHead;
  seq: number;
  nextSubId: number;
  counters: Counters;
  freshness: Freshness;
  /**
   * Freshness memory per consumer group (groups.ts): a node with a plain and a group
   * subscription of a topic receives each message once for each, and neither copy is a replay.
   */
  readonly groupFreshness: Map<string, Freshness>;
  batcher: Batcher | undefined;
  /** The transport part of this bus's in-process receipts, shared until it changes (receipt.ts). */
  receiptBase: ReceiptBase | undefined;
}

/** Fresh counters, all zero. */
export function freshCounters(): Counters {
  return {
    published: 0,
    sent: 0,
    received: 0,
    delivered: 0,
    rejected: Object.fromEntries(Object.values(RejectReason).map((r) => [r, 0])) as Record<
      RejectReason,
      number
    >,
    rejectedTotal: 0,
    handlerErrors: 0,
    overflowDrops: 0,
    echoes: 0,
    unrouted: 0,
    gaps: 0,
  };
}

/** Builds the context of a bus from checked options. */
export function createContext(options: BusCoreOptions<TopicDefs>, registry: Registry): BusContext {
  const nodeId = nodeIdOf(options);
  const now = options.now ?? Date.now;
  // Publish stamps and freshness checks, many per tick: the system clock read once per burst
  // (clock.ts). Gaps and timers keep the plain clock.
  const stamp = options.now ?? burstClock();
  const ring = createKeyRing(options.keys);
  const codec = createCodec(ring, nodeId, options.limits, options.tenant);
  const maxBytes = options.limits?.maxBytes ?? DEFAULT_MAX_BYTES;
  const transport = resolveTransport(options.transport, options.transportOptions);
  // Loud by default: events nobody listens to are written to stderr (report.ts).
  const reporter = createReporter(options.log);
  const precompiled = options.validators ?? {};
  const fresh = options.freshness;
  return {
    options,
    registry,
    nodeId,
    ownChannel: nodeChannel(nodeId),
    now,
    stamp,
    codec,
    maxBytes,
    transport,
    reporter,
    events: new Emitter<BusEvents>(reporter?.report),
    table: new SubscriptionTable(),
    groups: new Map(),
    subscribers: new Map(),
    validators: new Map(),
    rawEvents: new Set(),
    plans: new Map(),
    versions: createVersionReader({ precompiled, shared: options.schemas, nodeId, now }),
    // The default (OpenTelemetry) instrumentation is passed in by createBus (src/create-bus.ts).
    instrumentation: options.instrumentation === false ? undefined : options.instrumentation,
    batching: batchSettings(options.batching),
    channelOps: new Map(),
    templateKeys: new Set(),
    streams: new Set(),
    durables: new Set(),
    replayGate:
      fresh?.shared === undefined
        ? undefined
        : createReplayGate(fresh.shared, nodeId, replayTtlMs(fresh), now),
    system: new Map(),
    duplicates: undefined,
    groupMembers: undefined,
    outage: { since: undefined, reason: '' },
    state: 'idle',
    starting: undefined,
    epoch: '',
    idPrefix: '',
    idHead: noIdHead(),
    seq: 0,
    nextSubId: 1,
    counters: freshCounters(),
    freshness: createFreshness(freshnessDefaults(options), stamp),
    groupFreshness: new Map(),
    batcher: undefined,
    receiptBase: undefined,
  };
}

/** Counts a refused inbound message and reports it (never reaches a handler). */
export function reject(ctx: BusContext, rejection: Rejection): void {
  ctx.instrumentation?.rejected(rejection, ctx.transport.name);
  ctx.counters.rejected[rejection.reason]++;
  ctx.counters.rejectedTotal++;
  ctx.events.emit('rejected', rejection);
}

/** Counts a handler's (or a system client's) error and reports it. */
export function handlerError(
  ctx: BusContext,
  topic: string,
  event: string,
  subscription: number,
  error: unknown,
): void {
  ctx.counters.handlerErrors++;
  ctx.events.emit('handler_error', { topic, event, subscription, error });
}

/** The error of a call the bus's state does not allow. */
export function notStarted(ctx: BusContext, what: string): HeraldError {
  return new HeraldError(ErrorCode.NotStarted, `cannot ${what}: the bus is ${ctx.state}`, {
    hint: ctx.state === 'stopped' ? 'create a new bus after stop()' : 'await bus.start() first',
  });
}

/** A transport failure as a TransportError (a HeraldError passes as it is). */
export function wrapTransport(
  ctx: BusContext,
  error: unknown,
  message: string,
  topic: string,
): HeraldError {
  if (error instanceof HeraldError) return error;
  return new TransportError(
    ErrorCode.PublishFailed,
    `${message}: ${error instanceof Error ? error.message : String(error)}`,
    {
      topic,
      transport: ctx.transport.name,
      cause: error,
      hint: 'check the transport connection; bus.transport() shows its state',
    },
  );
}
