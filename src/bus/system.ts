/**
 * The system port: how a system feature (presence today; the operations broadcaster and
 * consumer-group membership next) is a client of the bus instead of a branch inside it. A
 * feature owns one reserved channel (a topic starting with `$`, outside every registry); through
 * its port it sends signed messages there (to every node, or to one), and the bus hands it what
 * arrives there, tells it of gaps, and lets it say goodbye before the transport closes.
 *
 * A system message takes the publish road minus the registry: envelope → sign → encode →
 * transport, and back through the same verify, channel and freshness checks as any message
 * (receive.ts); only then does the bus route it to its feature by topic.
 */
import { ConfigError, ErrorCode, HeraldError } from '../errors.js';
import type { Registry } from '../schemas/define.js';
import { type BusContext, handlerError, nodeChannel, notStarted } from './context.js';

/** What a system feature may do on the bus. */
export interface SystemPort {
  readonly nodeId: string;
  readonly registry: Registry;
  /** The plain clock. */
  now(): number;
  /** Where the bus is in its life: `idle`, `starting`, `started` or `stopped`. */
  state(): string;
  /**
   * Signs and sends a message on the feature's channel, or to one node's channel. Rejects with
   * NotStarted before start and after stop, MessageTooLarge past `limits.maxBytes`, or the
   * transport's error.
   */
  send(event: string, data: unknown, to?: string): Promise<void>;
  /** Reports an error of the feature's subscribers (`handler_error`, counted). */
  error(topic: string, event: string, error: unknown): void;
  /** This bus's subscriptions and the messages waiting in their queues, read on demand. */
  queues(): QueueDepths;
}

/** Subscriptions of a bus and the messages waiting for their handlers. */
export interface QueueDepths {
  readonly subscriptions: number;
  /** Messages waiting, over every subscription. */
  readonly pending: number;
  /** The longest single queue. */
  readonly maxPending: number;
}

/** A feature's reserved channel, and how the bus names its messages. */
export interface SystemChannel {
  /** Its reserved channel (`$presence`): a topic starting with `$`. */
  readonly topic: string;
  /** How its messages are named in errors (`presence`). */
  readonly label: string;
  /** What to do about a message too large to send. */
  readonly tooLargeHint: string;
}

/** What a system feature tells the bus about itself. */
export interface SystemClient {
  /** Whether the bus subscribes to its channel at start (a feature that is off only sends). */
  readonly listens: boolean;
  /** The bus started (and subscribed to its channel). */
  started?(): void;
  /** The bus is stopping; the transport is still up until the returned promise settles. */
  stopping?(): Promise<void>;
  /** A verified message arrived on its channel, or on this node's channel under its topic. */
  receive?(node: string, event: string, data: unknown): void;
  /** Messages may have been lost (a transport gap): resynchronise. */
  gap?(): void;
}

/** A system feature: its channel, and how it builds its client and its API from its port. */
export interface SystemFeature<A> {
  readonly channel: SystemChannel;
  create(port: SystemPort): { readonly client: SystemClient; readonly api: A };
}

/** `$`: the first character of every system channel, which no registry topic has. */
export const DOLLAR = 36;

/** Installs a system feature on the bus: gives it its port, and returns its API. */
export function install<A>(ctx: BusContext, feature: SystemFeature<A>): A {
  const { channel } = feature;
  if (channel.topic.charCodeAt(0) !== DOLLAR || ctx.system.has(channel.topic)) {
    throw new ConfigError(`system channel "${channel.topic}" is invalid or taken`, {
      topic: channel.topic,
      hint: 'system channels start with "$" (registry topics never do), one feature each',
    });
  }
  const { client, api } = feature.create({
    nodeId: ctx.nodeId,
    registry: ctx.registry,
    now: ctx.now,
    state: () => ctx.state,
    send: (event, data, to) => sendSystem(ctx, channel, event, data, to),
    error: (topic, event, error) => handlerError(ctx, topic, event, 0, error),
    queues: () => queueDepths(ctx),
  });
  ctx.system.set(channel.topic, client);
  return api;
}

/** Sums the queues of every subscription: O(subscriptions), for periodic reports only. */
function queueDepths(ctx: BusContext): QueueDepths {
  let pending = 0;
  let maxPending = 0;
  const all = ctx.table.all();
  for (const sub of all) {
    const n = sub.pending;
    pending += n;
    if (n > maxPending) maxPending = n;
  }
  return { subscriptions: all.length, pending, maxPending };
}

/** Signs and sends a system message: the publish road minus the registry. */
async function sendSystem(
  ctx: BusContext,
  client: SystemChannel,
  event: string,
  data: unknown,
  to: string | undefined,
): Promise<void> {
  if (ctx.state !== 'started') throw notStarted(ctx, `send ${client.label}`);
  const channel = to === undefined ? client.topic : nodeChannel(to);
  if (ctx.transport.hasRemoteInterest?.(channel) === false) return;
  const encoded = ctx.codec.encode({
    epoch: ctx.epoch,
    seq: ++ctx.seq,
    time: ctx.now(),
    topic: client.topic,
    event,
    version: 0,
    ...(to === undefined ? {} : { to }),
    data,
  });
  if (encoded.length > ctx.maxBytes) {
    throw new HeraldError(
      ErrorCode.MessageTooLarge,
      `${client.label} ${event} is ${encoded.length} bytes encoded; the limit is ${ctx.maxBytes}`,
      { topic: client.topic, event, hint: client.tooLargeHint },
    );
  }
  await ctx.transport.publish(channel, encoded);
  ctx.counters.sent++;
}
