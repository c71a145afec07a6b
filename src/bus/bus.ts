/**
 * `createBus`: the one road data takes.
 *
 * Publish: resolve topic → validate payload → local dispatch (never encoded: it never left the
 * process) → envelope → sign → encode → transport.publish.
 * Receive: transport bytes → decode with limits → verify signature → channel check → freshness
 * (skew window, replay) → validate → local dispatch → each subscription's bounded queue → handler.
 * Every refusal on the way is counted by reason and emitted as `rejected`; none reaches a handler.
 */
import { randomBytes } from 'node:crypto';
import { resolveTransport } from '../adapters/chain.js';
import type { TransportEvent, TransportSink } from '../adapters/transport.js';
import { ConfigError, ErrorCode, HeraldError, TransportError, ValidationError } from '../errors.js';
import { createPresence, PRESENCE_CHANNEL, type PresenceWire } from '../presence/index.js';
import { createVersionReader } from '../registry-store/reader.js';
import type { EventEntry, ResolvedTopic, TopicDefs } from '../schemas/define.js';
import { eventError, topicError } from '../schemas/diagnose.js';
import type { ReadOutcome } from '../schemas/upgrade.js';
import { createValidator, describeIssues, type Validator } from '../schemas/validator.js';
import {
  createCodec,
  type Envelope,
  type EnvelopeFields,
  isRejection,
  MAX_BATCH,
} from '../security/codec.js';
import { createFreshness, type FreshnessOptions, replayTtlMs } from '../security/freshness.js';
import { createKeyRing } from '../security/keys.js';
import { type Rejection, RejectReason } from '../security/reasons.js';
import { createReplayGate } from '../security/replay.js';
import { otelInstrumentation } from '../telemetry/otel.js';
import { createReporter } from '../telemetry/report.js';
import { type Batcher, createBatcher } from './batcher.js';
import { burstClock } from './clock.js';
import { createDuplicateWatch, DUPLICATE_NOTICE_TOPIC } from './duplicate-node.js';
import { Emitter } from './emitter.js';
import { type BatchOptions, subscriptionHelpers } from './helpers/index.js';
import { DeliveryQueue, type QueueHooks } from './queue.js';
import { createStream } from './stream.js';
import { SubState, type SubscriberState, SubscriptionTable, type TopicState } from './table.js';
import type {
  BatchHandler,
  BatchSubscribeOptions,
  Bus,
  BusEvents,
  BusOptions,
  BusStats,
  Gap,
  Handler,
  Message,
  MessageMeta,
  PublishReceipt,
  SubscribeOptions,
  Subscriber,
  Subscription,
} from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const DEFAULT_QUEUE_LIMIT = 1024;

/** The transport channel of direct messages to a node. */
export const nodeChannel = (node: string): string => `$node:${node}`;

const zeroReasons = (): Record<RejectReason, number> =>
  Object.fromEntries(Object.values(RejectReason).map((r) => [r, 0])) as Record<
    RejectReason,
    number
  >;

/** Subscribe options the bus passes itself (streams). */
interface InternalSubscribeOptions extends SubscribeOptions {
  readonly batch?: BatchOptions;
  readonly ended?: (error?: unknown) => void;
}

interface PublishOptions {
  readonly exclude?: SubscriberState;
  readonly to?: string;
  readonly localOnly?: boolean;
  readonly raw?: boolean;
}

// Shared, so a publish allocates no options object.
const BROADCAST: PublishOptions = Object.freeze({});
const LOCAL_ONLY: PublishOptions = Object.freeze({ localOnly: true });
const RAW: PublishOptions = Object.freeze({ raw: true });
const RAW_EVENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A publish of a draft version on a bus that did not opt in to drafts. */
function draftRefused(topic: string, key: string, event: string, version: number): ConfigError {
  return new ConfigError(
    `${key}.${event}@${version} is a draft: this bus does not publish drafts`,
    {
      topic,
      event,
      hint: 'createBus({ drafts: true }) on development nodes, or release the version by removing draft: true',
    },
  );
}

/** Creates a bus. Configuration errors (weak keys, bad node id) throw here, not at start. */
export function createBus<const D extends TopicDefs>(options: BusOptions<D>): Bus<D> {
  const { registry } = options;
  if (registry?.kind !== 'registry') {
    throw new ConfigError('createBus needs a registry', {
      hint: 'pass registry: defineTopics({ ... })',
    });
  }
  const nodeId = options.nodeId ?? `node-${randomBytes(4).toString('hex')}`;
  if (!NODE_ID.test(nodeId)) {
    throw new ConfigError(`node id "${nodeId}" is invalid`, {
      hint: 'node ids are 1-64 characters of [A-Za-z0-9_.-]',
    });
  }
  const now = options.now ?? Date.now;
  // Publish stamps and freshness checks, many per tick: the system clock read once per burst
  // (clock.ts). Gaps and timers keep the plain clock.
  const stamp = options.now ?? burstClock();
  const ring = createKeyRing(options.keys);
  const codec = createCodec(ring, nodeId, options.limits, options.tenant);
  const maxBytes = options.limits?.maxBytes ?? 2 * 1024 * 1024;
  const transport = resolveTransport(options.transport, options.transportOptions);
  const ownChannel = nodeChannel(nodeId);
  // Loud by default: events nobody listens to are written to stderr (telemetry/report.ts).
  const reporter = createReporter(options.log);
  const events = new Emitter<BusEvents>(reporter?.report);
  const table = new SubscriptionTable();
  const subscribers = new Map<string, SubscriberState>();
  const queueDefaults = options.queue ?? {};
  const precompiled = options.validators ?? {};
  const validators = new Map<EventEntry, Validator>();
  const versions = createVersionReader({ precompiled, shared: options.schemas, nodeId, now });
  const instrumentation =
    options.instrumentation === false
      ? undefined
      : (options.instrumentation ?? otelInstrumentation());
  const batching = batchSettings(options.batching);
  let batcher: Batcher | undefined;
  const channelOps = new Map<string, Promise<void>>();
  const streams = new Set<{ end(): void }>();

  const presence = createPresence({
    registry,
    options: options.presence,
    state: () => state,
    port: { nodeId, now, send: sendPresence },
    onError: (topic, error) => {
      counters.handlerErrors++;
      events.emit('handler_error', { topic, event: 'presence_diff', subscription: 0, error });
    },
  });
  const freshnessOptions = freshnessDefaults(options);
  let freshness = createFreshness(freshnessOptions, stamp);
  const replayGate =
    options.freshness?.shared === undefined
      ? undefined
      : createReplayGate(options.freshness.shared, nodeId, replayTtlMs(options.freshness), now);
  const duplicates = createDuplicateWatch({
    nodeId,
    emit: (value) => events.emit('duplicate_node', value),
    notify: (other) => {
      if (state === 'started') sendDuplicateNotice(other);
    },
  });
  let state: 'idle' | 'starting' | 'started' | 'stopped' = 'idle';
  let starting: Promise<void> | undefined;
  let epoch = '';
  /** `node:epoch:`, the start of every id this bus publishes under (one concatenation per publish). */
  let idPrefix = '';
  let seq = 0;
  let nextSubId = 1;
  let disconnectedAt: number | undefined;
  let disconnectReason = '';
  let counters = freshCounters();

  function freshCounters() {
    return {
      published: 0,
      sent: 0,
      received: 0,
      delivered: 0,
      rejected: zeroReasons(),
      rejectedTotal: 0,
      handlerErrors: 0,
      overflowDrops: 0,
      echoes: 0,
      unrouted: 0,
      gaps: 0,
    };
  }

  function validatorFor(topicKey: string, entry: EventEntry): Validator {
    let validator = validators.get(entry);
    if (!validator) {
      const check = precompiled[`${topicKey}.${entry.name}@${entry.def.version}`];
      validator = check ? createValidator(entry.def.schema, check) : entry.validator;
      validators.set(entry, validator);
    }
    return validator;
  }

  /** Serializes server-side (un)subscribe calls per channel, so they reach the server in order. */
  function channelOp(channel: string, op: () => Promise<void>): Promise<void> {
    const previous = channelOps.get(channel) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(op);
    channelOps.set(channel, next);
    const cleanup = (): void => {
      if (channelOps.get(channel) === next) channelOps.delete(channel);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  // Raw event names already checked (bounded: names are few; a flood of new ones is re-checked).
  const rawEvents = new Set<string>();
  function rawEventName(event: unknown): boolean {
    if (typeof event !== 'string' || !RAW_EVENT.test(event)) return false;
    if (rawEvents.size < 1024) rawEvents.add(event);
    return true;
  }

  function resolveTopic(topic: string): ResolvedTopic {
    const resolved = typeof topic === 'string' ? registry.resolve(topic) : undefined;
    if (!resolved) throw topicError(registry, topic);
    return resolved;
  }

  function eventEntry(resolved: ResolvedTopic, event: string): EventEntry {
    const entry = resolved.entry.events.get(event);
    if (!entry) throw eventError(resolved, event);
    return entry;
  }

  function reject(rejection: Rejection): void {
    instrumentation?.rejected(rejection, transport.name);
    counters.rejected[rejection.reason]++;
    counters.rejectedTotal++;
    events.emit('rejected', rejection);
  }

  // ---------------------------------------------------------------- receive

  function receive(channel: string, data: string | Uint8Array): void {
    if (codec.isOwn(data, epoch)) {
      counters.echoes++;
      return;
    }
    const decoded = codec.decodeAll(data);
    if (isRejection(decoded)) {
      reject({ ...decoded, channel });
      return;
    }
    // One envelope, or each message of a batch: every one is checked on its own from here on.
    for (let i = 0; i < decoded.length; i++) {
      const env = decoded[i]!;
      if (env.node !== nodeId) {
        accept(channel, env);
        continue;
      }
      // Only this instance's own epoch is an echo (docs/wire-format.md §7); another epoch under
      // this node id is another running process, and both sides must hear about it.
      if (env.epoch === epoch) {
        counters.echoes++;
        continue;
      }
      reject({
        reason: RejectReason.DuplicateNode,
        detail: `a message signed as node "${nodeId}" from another process (epoch ${env.epoch}): give every node its own nodeId`,
        channel,
        topic: env.topic,
        event: env.event,
        node: env.node,
        kid: env.kid,
      });
      duplicates.seen(env.epoch, channel);
    }
  }

  function accept(channel: string, env: Envelope): void {
    const who = { channel, topic: env.topic, event: env.event, node: env.node, kid: env.kid };
    const expected = env.to === undefined ? env.topic : nodeChannel(env.to);
    if (channel !== expected) {
      reject({
        ...who,
        reason: RejectReason.TopicMismatch,
        detail: `signed for "${expected}" but arrived on "${channel}"`,
      });
      return;
    }
    if (env.to !== undefined && env.to !== nodeId) {
      reject({ ...who, reason: RejectReason.WrongNode, detail: `addressed to node "${env.to}"` });
      return;
    }
    const stale = freshness.check(env.node, env.epoch, env.seq, env.time);
    if (stale !== undefined) {
      reject({
        ...who,
        reason: stale,
        detail: `message ${env.node}:${env.epoch}:${env.seq} is ${stale === RejectReason.Replay ? 'a replay' : `outside the clock window (${env.time - now()} ms)`}`,
      });
      return;
    }
    if (replayGate === undefined) {
      admit(env, who);
      return;
    }
    // The shared store answers asynchronously; the gate keeps each publisher's order.
    replayGate.check(env.node, env.epoch, env.seq, (reason, detail) => {
      if (state !== 'started') return;
      try {
        if (reason === undefined) admit(env, who);
        else
          reject({
            ...who,
            reason,
            detail: `message ${env.node}:${env.epoch}:${env.seq}: ${detail}`,
          });
      } catch (error) {
        reject({
          ...who,
          reason: RejectReason.Malformed,
          detail: `receive failed: ${String(error)}`,
        });
      }
    });
  }

  /** After every security check: registry, schema, dispatch. */
  function admit(env: Envelope, who: Omit<Rejection, 'reason' | 'detail'>): void {
    if (env.topic === PRESENCE_CHANNEL) {
      counters.received++;
      presence.receive(env.node, env.event, env.data);
      return;
    }
    const topicState = table.get(env.topic);
    const resolved = topicState?.resolved ?? registry.resolve(env.topic);
    if (!resolved) {
      reject({
        ...who,
        reason: RejectReason.UnknownTopic,
        detail: `"${env.topic}" matches no topic in the local registry`,
      });
      return;
    }
    if (!resolved.entry.def.raw) {
      const entry = resolved.entry.events.get(env.event);
      if (!entry) {
        reject({
          ...who,
          reason: RejectReason.UnknownEvent,
          detail: `topic "${resolved.entry.def.template}" has no event "${env.event}"`,
        });
        return;
      }
      // Any version this node can read becomes its latest; a store look-up answers later.
      const outcome = versions.read(resolved.entry, entry, env, (late) => {
        if (state === 'started') settleRead(late, env, who, resolved, entry);
      });
      if (outcome !== undefined) settleRead(outcome, env, who, resolved, entry);
      return;
    }
    deliver(env, resolved, env.data, env.version);
  }

  /** Delivers what the version stage read, or refuses it. */
  function settleRead(
    outcome: ReadOutcome,
    env: Envelope,
    who: Omit<Rejection, 'reason' | 'detail'>,
    resolved: ResolvedTopic,
    entry: EventEntry,
  ): void {
    if (!outcome.ok) {
      reject({
        ...who,
        reason: outcome.reason,
        detail: outcome.detail,
        ...(outcome.field === undefined ? {} : { field: outcome.field }),
      });
    } else deliver(env, resolved, outcome.payload, entry.def.version);
  }

  /** Counts and dispatches a verified payload, of this node's `version` of its event. */
  function deliver(env: Envelope, resolved: ResolvedTopic, payload: unknown, version: number) {
    counters.received++;
    const topicState = table.get(env.topic);
    if (!topicState) {
      counters.unrouted++;
      return;
    }
    // Plain fields, not spreads: this is the hot path, as in publish.
    const meta: Mutable<MessageMeta> = {
      id: `${env.node}:${env.epoch}:${env.seq}`,
      node: env.node,
      seq: env.seq,
      time: env.time,
      version,
      params: resolved.params,
      local: false,
      kid: env.kid,
      size: env.size,
    };
    if (version !== env.version) meta.writerVersion = env.version;
    if (env.traceparent !== undefined) meta.traceparent = env.traceparent;
    if (env.tracestate !== undefined) meta.tracestate = env.tracestate;
    const message: Message = { topic: env.topic, event: env.event, payload, meta };
    table.dispatch(topicState, message);
  }

  function onTransportEvent(event: TransportEvent): void {
    const name = transport.name;
    instrumentation?.transportEvent(event, name);
    switch (event.type) {
      case 'connected':
        events.emit('connected', { transport: name });
        if (event.degraded !== undefined)
          events.emit('degraded', { transport: name, ...event.degraded });
        break;
      case 'disconnected':
        // A later loss in the same outage may have started earlier (another connection).
        disconnectedAt = Math.min(disconnectedAt ?? Number.POSITIVE_INFINITY, event.since ?? now());
        disconnectReason = event.reason;
        events.emit('disconnected', { transport: name, reason: event.reason });
        break;
      case 'reconnecting':
        events.emit('reconnecting', {
          transport: name,
          attempt: event.attempt,
          delayMs: event.delayMs,
        });
        break;
      case 'failover': {
        const at = now();
        events.emit('failover', { from: event.from, to: event.to, reason: event.reason });
        signalGap({
          from: disconnectedAt ?? at,
          to: at,
          transport: event.to,
          reason: `failover from ${event.from}: ${event.reason}`,
        });
        disconnectedAt = undefined;
        break;
      }
      case 'resubscribed': {
        events.emit('resubscribed', { transport: name, channels: event.channels, ms: event.ms });
        if (disconnectedAt !== undefined) {
          signalGap({ from: disconnectedAt, to: now(), transport: name, reason: disconnectReason });
          disconnectedAt = undefined;
        }
        break;
      }
    }
  }

  function signalGap(gap: Gap): void {
    counters.gaps++;
    presence.resync();
    instrumentation?.transportEvent({ type: 'gap', from: gap.from, to: gap.to }, gap.transport);
    events.emit('gap', gap);
    for (const sub of table.all()) {
      if (!sub.onGap) continue;
      try {
        sub.onGap(gap);
      } catch (error) {
        counters.handlerErrors++;
        events.emit('handler_error', {
          topic: sub.topic,
          event: 'gap',
          subscription: sub.id,
          error,
        });
      }
    }
  }

  const sink: TransportSink = {
    message(channel, data) {
      try {
        receive(channel, data);
      } catch (error) {
        // Defence in depth: no input may crash the process.
        reject({
          reason: RejectReason.Malformed,
          detail: `receive failed: ${String(error)}`,
          channel,
        });
      }
    },
    event: onTransportEvent,
    refused(channel, detail) {
      reject({ reason: RejectReason.Malformed, detail, channel });
    },
  };

  // ---------------------------------------------------------------- subscribe

  async function subscribe(
    topic: string,
    handler: Handler<Message> | BatchHandler<Message>,
    opts: InternalSubscribeOptions = {},
  ): Promise<Subscription> {
    if (state === 'stopped') throw notStarted('subscribe');
    if (typeof handler !== 'function') {
      throw new ConfigError(`subscribe("${topic}") needs a handler function`, {
        topic,
        hint: 'pass (message) => { ... }',
      });
    }
    const resolved = resolveTopic(topic);
    if (opts.events && !resolved.entry.def.raw)
      for (const e of opts.events) eventEntry(resolved, e);
    const limit = opts.queue?.limit ?? queueDefaults.limit ?? DEFAULT_QUEUE_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigError(`queue limit ${String(limit)} for "${topic}" is invalid`, {
        topic,
        hint: 'use a positive integer',
      });
    }
    const policy = opts.queue?.overflow ?? queueDefaults.overflow ?? 'drop-oldest';
    const helpers = subscriptionHelpers<Message>(
      resolved.topic,
      { ...opts, queue: { ...queueDefaults, ...opts.queue } },
      limit,
      opts.batch,
    );
    if (state === 'starting') await starting?.catch(() => undefined);
    const holder = opts.subscriber === undefined ? undefined : subscribers.get(opts.subscriber.id);
    const id = nextSubId++;
    const info = () => ({
      template: resolved.entry.def.template,
      subscription: id,
      transport: transport.name,
      node: nodeId,
    });
    let calls = 0;
    let handled = 0;
    const sub = new SubState(
      id,
      resolved.topic,
      opts.events ? new Set(opts.events) : undefined,
      holder,
      opts.onGap,
      opts.ended,
      (queue) => helpers.counts(queue, calls, handled),
      remove,
    );
    const hooks: QueueHooks<Message> = {
      run: (message) => {
        counters.delivered++;
        calls++;
        handled++;
        const one = handler as Handler<Message>;
        if (instrumentation === undefined || instrumentation.idle?.() === true) {
          return one(message);
        }
        // A throttled or debounced delivery stands for the messages it superseded: link them all.
        const group = helpers.groupOf(message);
        if (group !== undefined && instrumentation.processBatch !== undefined) {
          return instrumentation.processBatch(group, info(), () => one(message));
        }
        return instrumentation.process(message, info(), () => one(message));
      },
      runBatch: (messages) => {
        counters.delivered++;
        calls++;
        handled += messages.length;
        const many = handler as BatchHandler<Message>;
        if (instrumentation?.processBatch === undefined || instrumentation.idle?.() === true) {
          return many(messages);
        }
        return instrumentation.processBatch(messages, info(), () => many(messages));
      },
      slow: (slow, pending) => {
        events.emit('slow_consumer', {
          topic: resolved.topic,
          subscription: id,
          slow,
          pending,
          threshold: helpers.slowAt,
        });
      },
      failed: (message, error) => {
        counters.handlerErrors++;
        events.emit('handler_error', {
          topic: message.topic,
          event: message.event,
          subscription: id,
          error,
        });
      },
      overflowed: (overflowPolicy, dropped) => {
        counters.overflowDrops += dropped;
        if (dropped > 0) instrumentation?.dropped(resolved.topic, dropped);
        events.emit('overflow', {
          topic: resolved.topic,
          subscription: id,
          policy: overflowPolicy,
          dropped,
        });
        if (overflowPolicy === 'error') {
          const error = new HeraldError(
            ErrorCode.QueueOverflow,
            `subscription ${id} to "${resolved.topic}" overflowed its queue of ${limit}`,
            {
              topic: resolved.topic,
              hint: 'make the handler faster, raise queue.limit, or choose a drop-* overflow policy',
            },
          );
          events.emit('subscription_error', { topic: resolved.topic, subscription: id, error });
          void remove(sub, error);
        }
      },
    };
    sub.queue = new DeliveryQueue<Message>(limit, policy, hooks, helpers.behaviour);
    sub.laneRoom = sub.queue.laneRoom;
    sub.run = hooks.run;
    holder?.held.add(sub);
    const first = table.add(resolved, sub);
    if (first && state === 'started') {
      try {
        await channelOp(resolved.topic, () => transport.subscribe(resolved.topic));
      } catch (error) {
        await remove(sub);
        throw wrapTransport(error, `subscribe to "${resolved.topic}" failed`, resolved.topic);
      }
    } else if (state === 'started') {
      await channelOps.get(resolved.topic);
    }
    if (opts.signal) {
      if (opts.signal.aborted) await remove(sub);
      else opts.signal.addEventListener('abort', () => void remove(sub), { once: true });
    }
    return sub;
  }

  async function remove(sub: SubState, error?: unknown): Promise<void> {
    if (!sub.active) return;
    sub.active = false;
    sub.laneRound = 0;
    sub.laneCount = 0;
    sub.queue.close();
    sub.holder?.held.delete(sub);
    sub.ended?.(error);
    const last = table.remove(sub);
    if (last && state === 'started') {
      await channelOp(sub.topic, () => transport.unsubscribe(sub.topic)).catch((error: unknown) => {
        throw wrapTransport(error, `unsubscribe from "${sub.topic}" failed`, sub.topic);
      });
    }
  }

  function makeSubscriber(name?: string): Subscriber {
    const id = name ?? `subscriber-${nextSubId++}`;
    const existing = subscribers.get(id);
    if (existing) return existing;
    const held = new Set<SubState>();
    const subscriber: SubscriberState = {
      id,
      held,
      get subscriptions() {
        return [...held];
      },
      async unsubscribe(topic) {
        await Promise.all([...held].filter((s) => s.topic === topic).map(remove));
      },
      async unsubscribeAll() {
        await Promise.all([...held].map(remove));
      },
    };
    subscribers.set(id, subscriber);
    return subscriber;
  }

  // ---------------------------------------------------------------- publish

  async function publish(
    topic: string,
    event: string,
    payload: unknown,
    opts: PublishOptions,
  ): Promise<PublishReceipt> {
    if (state !== 'started') throw notStarted('publish');
    const resolved = resolveTopic(topic);
    const def = resolved.entry.def;
    const raw = opts.raw === true;
    if (def.raw !== raw) {
      throw new HeraldError(
        ErrorCode.RawMismatch,
        raw
          ? `topic "${def.template}" is typed; broadcastRaw is only for raw topics`
          : `topic "${def.template}" is raw; publish it with broadcastRaw`,
        {
          topic,
          event,
          hint: raw
            ? 'use broadcast(topic, event, payload)'
            : 'use broadcastRaw(topic, event, payload)',
        },
      );
    }
    let version = 0;
    if (!raw) {
      const entry = eventEntry(resolved, event);
      version = entry.def.version;
      if (entry.def.draft && options.drafts !== true)
        throw draftRefused(topic, resolved.entry.key, event, version);
      // With a shared schema store, this node's versions are registered before its first send.
      const announced = opts.localOnly ? undefined : versions.announce(resolved.entry, entry);
      if (announced !== undefined) await announced;
      const validator = validatorFor(resolved.entry.key, entry);
      if (!validator.check(payload)) {
        const issues = validator.errors(payload);
        throw new ValidationError(
          ErrorCode.InvalidPayload,
          `payload of ${resolved.entry.key}.${event} on "${topic}" is invalid: ${describeIssues(issues)}`,
          issues,
          {
            topic,
            event,
            hint: `check the payload against ${resolved.entry.key}.${event}@${version} in the registry`,
          },
        );
      }
    } else if (!rawEvents.has(event) && !rawEventName(event)) {
      throw new HeraldError(
        ErrorCode.UnknownEvent,
        `raw event name "${String(event)}" is not an identifier`,
        { topic, hint: 'use a name such as "updated"' },
      );
    }
    const to = opts.to;
    const remote = !opts.localOnly && to !== nodeId;
    // Key scopes and verify-only nodes: refused before anything is delivered or sent.
    if (remote) codec.authorize(resolved.topic);
    const channel = to === undefined ? resolved.topic : nodeChannel(to);
    const sequence = ++seq;
    const time = stamp();
    const id = idPrefix + sequence;
    const scope =
      instrumentation === undefined || instrumentation.idle?.() === true
        ? undefined
        : instrumentation.publish({
            topic: resolved.topic,
            template: def.template,
            event,
            version,
            kind: raw
              ? 'raw'
              : opts.localOnly
                ? 'local'
                : to !== undefined
                  ? 'direct'
                  : opts.exclude
                    ? 'broadcast_from'
                    : 'broadcast',
            transport: transport.name,
            node: nodeId,
          });
    // Plain fields, not spreads: this is the hot path (spreads cost 13-41% of a local publish).
    const traceparent = scope?.traceparent;
    const tracestate = scope?.tracestate;
    let encoded: string | undefined;
    // With batching: this message's JSON, signed later with the others of its channel and tick.
    let item: string | undefined;
    let size: number | undefined;
    let localDeliveries = 0;
    try {
      if (remote && transport.hasRemoteInterest?.(channel) !== false) {
        const fields: Mutable<EnvelopeFields> = {
          epoch,
          seq: sequence,
          time,
          topic: resolved.topic,
          event,
          version,
          data: payload,
        };
        if (to !== undefined) fields.to = to;
        if (traceparent !== undefined) fields.traceparent = traceparent;
        if (tracestate !== undefined) fields.tracestate = tracestate;
        if (batcher !== undefined) {
          item = codec.item(fields);
          // Too large to share an envelope: it goes alone (and may be refused as too large).
          if (!batcher.fits(item)) item = undefined;
        }
        if (item === undefined) encoded = codec.encode(fields);
        if (encoded !== undefined && encoded.length > maxBytes) {
          throw new HeraldError(
            ErrorCode.MessageTooLarge,
            `message on "${topic}" is ${encoded.length} bytes encoded; the limit is ${maxBytes}`,
            {
              topic,
              event,
              hint: 'send less data per message, or raise limits.maxBytes on every node',
            },
          );
        }
      }
      counters.published++;
      const topicState = to === undefined || to === nodeId ? table.get(resolved.topic) : undefined;
      if (topicState) {
        const meta: Mutable<MessageMeta> = {
          id,
          node: nodeId,
          seq: sequence,
          time,
          version,
          params: resolved.params,
          local: true,
        };
        if (traceparent !== undefined) meta.traceparent = traceparent;
        if (tracestate !== undefined) meta.tracestate = tracestate;
        const message: Message = { topic: resolved.topic, event, payload, meta };
        localDeliveries = table.dispatch(topicState, message, opts.exclude);
      }
      if (encoded !== undefined || item !== undefined) {
        try {
          if (item !== undefined) size = await (batcher as Batcher).add(channel, item);
          else {
            size = (encoded as string).length;
            await transport.publish(channel, encoded as string);
          }
        } catch (error) {
          throw wrapTransport(
            error,
            `publish of ${event} on "${resolved.topic}" did not reach the ${transport.name} transport${localDeliveries ? ` (delivered to ${localDeliveries} local subscriptions)` : ''}`,
            resolved.topic,
          );
        }
        counters.sent++;
      }
    } catch (error) {
      scope?.end({
        id,
        localDeliveries,
        sent: false,
        error,
        ...(size === undefined ? {} : { size }),
      });
      throw error;
    }
    const sent = size !== undefined;
    scope?.end({ id, localDeliveries, sent, ...(size === undefined ? {} : { size }) });
    return {
      transport: transport.name,
      degraded: transport.degraded === true,
      id,
      seq: sequence,
      topic: resolved.topic,
      event,
      localDeliveries,
      sent,
    };
  }

  /** Signs and sends a presence message on `$presence`, or to one node: the road minus the registry. */
  async function sendPresence(event: PresenceWire, data: unknown, to?: string): Promise<void> {
    if (state !== 'started') throw notStarted('send presence');
    const channel = to === undefined ? PRESENCE_CHANNEL : nodeChannel(to);
    if (transport.hasRemoteInterest?.(channel) === false) return;
    const encoded = codec.encode({
      epoch,
      seq: ++seq,
      time: now(),
      topic: PRESENCE_CHANNEL,
      event,
      version: 0,
      ...(to === undefined ? {} : { to }),
      data,
    });
    if (encoded.length > maxBytes) {
      throw new HeraldError(
        ErrorCode.MessageTooLarge,
        `presence ${event} is ${encoded.length} bytes encoded; the limit is ${maxBytes}`,
        { topic: PRESENCE_CHANNEL, event, hint: 'use smaller presence metas' },
      );
    }
    await transport.publish(channel, encoded);
    counters.sent++;
  }

  /**
   * Tells the other process under this node id that it is not alone: a signed notice on this
   * node's own channel, which only buses with this node id subscribe to. Best effort — a scoped
   * or verify-only key cannot sign it, and that side still learns from any message of ours it
   * receives.
   */
  function sendDuplicateNotice(other: string): void {
    if (transport.hasRemoteInterest?.(ownChannel) === false) return;
    let encoded: string;
    try {
      encoded = codec.encode({
        epoch,
        seq: ++seq,
        time: now(),
        topic: DUPLICATE_NOTICE_TOPIC,
        event: 'duplicate_node',
        version: 0,
        to: nodeId,
        data: { seen: other },
      });
    } catch {
      return;
    }
    transport.publish(ownChannel, encoded).then(
      () => {
        counters.sent++;
      },
      () => undefined,
    );
  }

  function notStarted(what: string): HeraldError {
    return new HeraldError(ErrorCode.NotStarted, `cannot ${what}: the bus is ${state}`, {
      hint: state === 'stopped' ? 'create a new bus after stop()' : 'await bus.start() first',
    });
  }

  function wrapTransport(error: unknown, message: string, topic: string): HeraldError {
    if (error instanceof HeraldError) return error;
    return new TransportError(
      ErrorCode.PublishFailed,
      `${message}: ${error instanceof Error ? error.message : String(error)}`,
      {
        topic,
        transport: transport.name,
        cause: error,
        hint: 'check the transport connection; bus.transport() shows its state',
      },
    );
  }

  // ---------------------------------------------------------------- lifecycle

  async function connect(): Promise<void> {
    epoch = randomBytes(8).toString('hex');
    idPrefix = `${nodeId}:${epoch}:`;
    seq = 0;
    counters = freshCounters();
    freshness = createFreshness(freshnessOptions, stamp);
    try {
      await transport.connect(sink);
      await transport.subscribe(ownChannel);
      if (presence.enabled) await transport.subscribe(PRESENCE_CHANNEL);
      await Promise.all(table.topics().map((t) => channelOp(t, () => transport.subscribe(t))));
    } catch (error) {
      state = 'idle';
      await transport.close().catch(() => undefined);
      if (error instanceof HeraldError) throw error;
      throw new TransportError(
        ErrorCode.ConnectFailed,
        `could not start the ${transport.name} transport: ${error instanceof Error ? error.message : String(error)}`,
        {
          transport: transport.name,
          cause: error,
          hint: 'check that the server is reachable and the connection options are right',
        },
      );
    }
    batcher =
      batching === undefined
        ? undefined
        : createBatcher(
            {
              encode: (items) => codec.encodeBatch(epoch, items),
              send: (channel, data) => transport.publish(channel, data),
            },
            batching.maxMessages,
            () => Math.min(batching.maxBytes, maxBytes, transport.batchBytes ?? maxBytes),
          );
    state = 'started';
    presence.start();
  }

  const bus = {
    nodeId,
    registry,
    start(): Promise<void> {
      if (state === 'started') return Promise.resolve();
      if (state === 'starting' && starting) return starting;
      if (state === 'stopped') return Promise.reject(notStarted('start'));
      state = 'starting';
      starting = connect();
      return starting;
    },
    async stop() {
      if (state === 'stopped') return;
      // This node's presences leave everywhere at once, while the transport is still up.
      if (state === 'started') await presence.stop();
      // A concurrent stop() may have finished meanwhile.
      if ((state as string) === 'stopped') return;
      state = 'stopped';
      replayGate?.clear();
      for (const stream of streams) stream.end();
      streams.clear();
      for (const sub of table.all()) {
        sub.active = false;
        sub.laneRound = 0;
        sub.laneCount = 0;
        sub.queue.close();
        sub.holder?.held.delete(sub);
      }
      table.clear();
      await transport.close();
      reporter?.flush();
    },
    subscribe: (topic: string, handler: Handler<Message>, opts?: SubscribeOptions) =>
      subscribe(topic, handler, opts),
    subscribeBatch: (topic: string, handler: BatchHandler<Message>, opts: BatchSubscribeOptions) =>
      subscribe(topic, handler, { ...opts, batch: opts?.batch ?? {} }),
    presence: presence.api,
    unsubscribe: (subscription: Subscription) => subscription.unsubscribe(),
    subscriber: makeSubscriber,
    stream(topic: string, opts?: SubscribeOptions) {
      const stream = createStream<Message>(
        (handler, ended) => subscribe(topic, handler, { ...opts, ended }),
        () => streams.delete(stream),
      );
      streams.add(stream);
      return stream;
    },
    broadcast: (topic: string, event: string, payload: unknown) =>
      publish(topic, event, payload, BROADCAST),
    broadcastFrom: (sender: Subscriber, topic: string, event: string, payload: unknown) => {
      const exclude = subscribers.get(sender?.id);
      if (!exclude || exclude !== sender) {
        return Promise.reject(
          new ConfigError('broadcastFrom needs a subscriber created by this bus', {
            topic,
            hint: 'create it with bus.subscriber()',
          }),
        );
      }
      return publish(topic, event, payload, { exclude });
    },
    directBroadcast: (node: string, topic: string, event: string, payload: unknown) => {
      if (typeof node !== 'string' || !NODE_ID.test(node)) {
        return Promise.reject(
          new ConfigError(`directBroadcast: node id "${String(node)}" is invalid`, {
            topic,
            hint: 'pass the nodeId of the target bus',
          }),
        );
      }
      return publish(topic, event, payload, { to: node });
    },
    localBroadcast: (topic: string, event: string, payload: unknown) =>
      publish(topic, event, payload, LOCAL_ONLY),
    broadcastRaw: (topic: string, event: string, payload: unknown) =>
      publish(topic, event, payload, RAW),
    subscriberCount: (topic: string) => table.count(topic),
    topics: () => table.topics(),
    transport: () => transport.status(),
    stats(): BusStats {
      return {
        ...counters,
        rejected: { ...counters.rejected },
        replayEvictions: freshness.evictions,
      };
    },
    on: <K extends keyof BusEvents>(event: K, listener: (value: BusEvents[K]) => void) =>
      events.on(event, listener),
  };
  return bus as unknown as Bus<D>;
}

/**
 * With run-time failover, a failback leaves messages queued on the slower transport that arrive
 * after newer ones from the faster: thousands of sequence numbers late under load. The default
 * reorder window then grows from 1,024 to 16,384 (2 KB per publisher) so they are not refused as
 * replays; an explicit `freshness.reorderWindow` is kept.
 */
export const FAILOVER_REORDER_WINDOW = 16_384;

function freshnessDefaults(options: BusOptions<TopicDefs>): FreshnessOptions | undefined {
  const failover = options.transportOptions?.failover;
  if (!failover || options.freshness?.reorderWindow !== undefined) return options.freshness;
  return { ...options.freshness, reorderWindow: FAILOVER_REORDER_WINDOW };
}

/** Resolved batching options, or undefined when batching is off. */
function batchSettings(
  option: BusOptions<TopicDefs>['batching'],
): { maxMessages: number; maxBytes: number } | undefined {
  if (option === undefined || option === false) return undefined;
  const { maxMessages = 100, maxBytes = Number.POSITIVE_INFINITY } = option === true ? {} : option;
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_BATCH) {
    throw new ConfigError(`batching.maxMessages ${String(maxMessages)} is invalid`, {
      hint: `use an integer from 1 to ${MAX_BATCH}`,
    });
  }
  if (!(maxBytes >= 1024)) {
    throw new ConfigError(`batching.maxBytes ${String(maxBytes)} is invalid`, {
      hint: 'use at least 1024 bytes',
    });
  }
  return { maxMessages, maxBytes };
}

export type { TopicState };
