/**
 * Subscribe and unsubscribe. A subscription is checked (topic, events, queue limit, helper
 * options), gets its bounded queue, joins the local table, and — when it is the topic's first —
 * the transport's channel. It is closed one way, `SubState.close` (table.ts), whether its holder
 * unsubscribes, an overflow cancels it, or the bus stops.
 */
import { ConfigError } from '../errors.js';
import type { ResolvedTopic } from '../schemas/define.js';
import { eventEntry, resolveTopic } from './checks.js';
import { type BusContext, notStarted, wrapTransport } from './context.js';
import { isDurable, subscribeDurable } from './durable.js';
import { checkGroupName, checkGroupTransport, groupChannelKey, tableOf } from './groups.js';
import { type BatchOptions, subscriptionHelpers } from './helpers/index.js';
import { directRun, type HookTarget, queueHooks, type Tally } from './hooks.js';
import { DEFAULT_QUEUE_LIMIT } from './options.js';
import { DeliveryQueue } from './queue.js';
import { createStream } from './stream.js';
import { SubState, type SubscriberState } from './table.js';
import { resolveTemplate, serverSubscribe, serverUnsubscribe } from './templates.js';
import type {
  BatchHandler,
  Handler,
  Message,
  SubscribeOptions,
  Subscriber,
  Subscription,
} from './types.js';

/** Subscribe options the bus passes itself (batches, streams). */
export interface InternalSubscribeOptions extends SubscribeOptions {
  readonly batch?: BatchOptions;
  readonly ended?: (error?: unknown) => void;
}

/**
 * Subscribes a handler (one message, or a batch with `opts.batch`) to a topic. `M` is the
 * message type of the topic and events the caller typed (Bus<D>); what reaches the handler was
 * validated against that topic's schema on the way in, so it is an `M`.
 */
export async function subscribe<M extends Message>(
  ctx: BusContext,
  topic: string,
  typed: Handler<M> | BatchHandler<M>,
  opts: InternalSubscribeOptions = {},
): Promise<Subscription> {
  const handler = typed as Handler<Message> | BatchHandler<Message>;
  if (ctx.state === 'stopped') throw notStarted(ctx, 'subscribe');
  if (typeof handler !== 'function') {
    throw new ConfigError(`subscribe("${topic}") needs a handler function`, {
      topic,
      hint: 'pass (message) => { ... }',
    });
  }
  const resolved = resolveTemplate(ctx, topic) ?? resolveTopic(ctx, topic);
  if (isDurable(resolved, opts) && opts.batch === undefined) {
    return subscribeDurable(ctx, topic, handler as Handler<Message>, opts);
  }
  if (opts.events && !resolved.entry.def.raw) for (const e of opts.events) eventEntry(resolved, e);
  const queueDefaults = ctx.options.queue ?? {};
  const limit = queueLimit(opts.queue?.limit ?? queueDefaults.limit, topic);
  const policy = opts.queue?.overflow ?? queueDefaults.overflow ?? 'drop-oldest';
  const helpers = subscriptionHelpers<Message>(
    resolved.topic,
    { ...opts, queue: { ...queueDefaults, ...opts.queue } },
    limit,
    opts.batch,
  );
  if (opts.group !== undefined) checkGroupName(topic, opts.group, resolved);
  if (ctx.state === 'starting') await ctx.starting?.catch(() => undefined);
  if (opts.group !== undefined && ctx.state === 'started') {
    checkGroupTransport(ctx, resolved.topic, opts.group);
  }
  const holder =
    opts.subscriber === undefined ? undefined : ctx.subscribers.get(opts.subscriber.id);
  const id = ctx.nextSubId++;
  const tally: Tally = { calls: 0, handled: 0 };
  const remove = (s: SubState, error?: unknown) => unsubscribe(ctx, s, error);
  const sub = new SubState(
    id,
    resolved.topic,
    opts.events ? new Set(opts.events) : undefined,
    holder,
    opts.onGap,
    opts.ended,
    (queue) => helpers.counts(queue, tally.calls, tally.handled),
    remove,
  );
  const target: HookTarget = {
    id,
    resolved,
    handler,
    helpers,
    limit,
    tally,
    cancel: (error) => void remove(sub, error),
  };
  const hooks = queueHooks(ctx, target);
  sub.queue = new DeliveryQueue<Message>(limit, policy, hooks, helpers.behaviour);
  sub.laneRoom = sub.queue.laneRoom;
  sub.run = hooks.run;
  // A plain queue (one message per call, no gate): the topic lane may run its handler itself.
  if (sub.laneRoom > 0) sub.direct = directRun(ctx, target);
  sub.group = opts.group;
  holder?.held.add(sub);
  await join(ctx, resolved, sub);
  if (opts.signal) {
    if (opts.signal.aborted) await remove(sub);
    else opts.signal.addEventListener('abort', () => void remove(sub), { once: true });
  }
  return sub;
}

/** A subscription's queue limit, checked. */
function queueLimit(option: number | undefined, topic: string): number {
  const limit = option ?? DEFAULT_QUEUE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ConfigError(`queue limit ${String(limit)} for "${topic}" is invalid`, {
      topic,
      hint: 'use a positive integer',
    });
  }
  return limit;
}

/**
 * Adds the subscription to its table (its group's, or the plain one), and its topic's channel
 * (with its group) to the transport when first.
 */
async function join(ctx: BusContext, resolved: ResolvedTopic, sub: SubState): Promise<void> {
  const first = tableOf(ctx, sub.group).add(resolved, sub);
  const template =
    sub.group === undefined &&
    resolved.topic === resolved.entry.def.template &&
    resolved.entry.parsed.params.length > 0;
  if (first && template) ctx.templateKeys.add(resolved.topic);
  const key = groupChannelKey(resolved.topic, sub.group);
  if (ctx.state !== 'started') return;
  if (!first) {
    await ctx.channelOps.get(key);
    return;
  }
  try {
    await channelOp(ctx, key, () => subscribeKey(ctx, resolved.topic, sub.group, template));
  } catch (error) {
    await unsubscribe(ctx, sub);
    throw wrapTransport(ctx, error, `subscribe to "${resolved.topic}" failed`, resolved.topic);
  }
}

/** Closes a subscription and, when it was its topic's last, leaves the transport's channel. */
export async function unsubscribe(ctx: BusContext, sub: SubState, error?: unknown): Promise<void> {
  if (sub.group !== undefined && sub.active && ctx.state === 'started' && !error) {
    if (ctx.groups.get(sub.group)?.count(sub.topic) === 1) return leaveGroup(ctx, sub, sub.group);
  }
  if (!sub.close(error)) return;
  const last = tableOf(ctx, sub.group).remove(sub);
  const template = last && sub.group === undefined && ctx.templateKeys.delete(sub.topic);
  if (last && ctx.state === 'started') {
    const key = groupChannelKey(sub.topic, sub.group);
    const group = sub.group;
    const op = () =>
      group === undefined
        ? serverUnsubscribe(ctx, sub.topic, template)
        : ctx.transport.unsubscribe(sub.topic, group);
    await channelOp(ctx, key, op).catch((error: unknown) => {
      throw wrapTransport(ctx, error, `unsubscribe from "${sub.topic}" failed`, sub.topic);
    });
  }
}

/**
 * The node's last member of a group on a topic leaves: the server subscription goes first (the
 * transport drains what the server already sent, which still reaches this member), then the
 * member. A member of the group that joined meanwhile gets the server subscription back.
 */
async function leaveGroup(ctx: BusContext, sub: SubState, group: string): Promise<void> {
  const key = groupChannelKey(sub.topic, group);
  let drained = false;
  try {
    await channelOp(ctx, key, () => ctx.transport.unsubscribe(sub.topic, group));
    drained = true;
  } finally {
    const table = tableOf(ctx, group);
    if (sub.close()) table.remove(sub);
    if (table.count(sub.topic) > 0 && ctx.state === 'started') {
      await channelOp(ctx, key, () => ctx.transport.subscribe(sub.topic, group));
    } else if (drained) {
      // Drained: nothing it was handed is lost, so the others signal no gap for it.
      ctx.groupMembers?.left(sub.topic, group);
    }
  }
}

/** The server subscription of a table key: a topic's channel or a template, or a group's channel. */
function subscribeKey(
  ctx: BusContext,
  topic: string,
  group: string | undefined,
  template: boolean,
): Promise<void> {
  return group === undefined ? serverSubscribe(ctx, topic, template) : joinGroup(ctx, topic, group);
}

/** A group's server subscription, announced first to the group's other members. */
async function joinGroup(ctx: BusContext, topic: string, group: string): Promise<void> {
  await ctx.groupMembers?.joining(topic, group);
  await ctx.transport.subscribe(topic, group);
}

/** Serializes server-side (un)subscribe calls per channel, so they reach the server in order. */
export function channelOp(
  ctx: BusContext,
  channel: string,
  op: () => Promise<void>,
): Promise<void> {
  const previous = ctx.channelOps.get(channel) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(op);
  ctx.channelOps.set(channel, next);
  const cleanup = (): void => {
    if (ctx.channelOps.get(channel) === next) ctx.channelOps.delete(channel);
  };
  next.then(cleanup, cleanup);
  return next;
}

/** An async iterator over a topic's messages; ended by `return()`, unsubscribe or stop. */
export function openStream<M extends Message>(
  ctx: BusContext,
  topic: string,
  opts: SubscribeOptions | undefined,
): AsyncIterableIterator<M> {
  const stream = createStream<M>(
    (handler, ended) => subscribe(ctx, topic, handler, { ...opts, ended }),
    () => ctx.streams.delete(stream),
  );
  ctx.streams.add(stream);
  return stream;
}

/** The named subscriber `name` (created on first use): the sender of `broadcastFrom`. */
export function subscriber(ctx: BusContext, name?: string): Subscriber {
  const id = name ?? `subscriber-${ctx.nextSubId++}`;
  const existing = ctx.subscribers.get(id);
  if (existing) return existing;
  const held = new Set<SubState>();
  const remove = (s: SubState) => unsubscribe(ctx, s);
  const state: SubscriberState = {
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
  ctx.subscribers.set(id, state);
  return state;
}
