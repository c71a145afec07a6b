/**
 * Start and stop. Start takes a new epoch (instance id) and fresh counters and replay memory,
 * connects the transport, subscribes this node's channel, the system channels and every topic
 * with local subscriptions, and only then reports `started` to the system features. Stop lets
 * the features say goodbye while the transport is still up, closes every subscription and
 * stream, then the transport.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, HeraldError, TransportError } from '../errors.js';
import { createFreshness } from '../security/freshness.js';
import { createBatcher } from './batcher.js';
import { type BusContext, freshCounters, notStarted } from './context.js';
import { closeDurables, declareDurable, openDurables } from './durable.js';
import { allSubscriptions, checkGroupTransport, groupChannelKey } from './groups.js';
import { freshnessDefaults } from './options.js';
import { createSink } from './receive.js';
import { channelOp } from './subscribe.js';
import { serverSubscribe } from './templates.js';

/** Starts the bus; a second call while starting returns the same promise. */
export function start(ctx: BusContext): Promise<void> {
  if (ctx.state === 'started') return Promise.resolve();
  if (ctx.state === 'starting' && ctx.starting) return ctx.starting;
  if (ctx.state === 'stopped') return Promise.reject(notStarted(ctx, 'start'));
  ctx.state = 'starting';
  ctx.starting = connect(ctx);
  return ctx.starting;
}

async function connect(ctx: BusContext): Promise<void> {
  const { transport } = ctx;
  ctx.epoch = randomBytes(8).toString('hex');
  ctx.idPrefix = `${ctx.nodeId}:${ctx.epoch}:`;
  ctx.seq = 0;
  ctx.counters = freshCounters();
  ctx.freshness = createFreshness(freshnessDefaults(ctx.options), ctx.stamp);
  ctx.groupFreshness.clear();
  try {
    await transport.connect(createSink(ctx));
    await declareDurable(ctx);
    await transport.subscribe(ctx.ownChannel);
    for (const [topic, client] of ctx.system) if (client.listens) await transport.subscribe(topic);
    await Promise.all(
      ctx.table
        .topics()
        .map((t) => channelOp(ctx, t, () => serverSubscribe(ctx, t, ctx.templateKeys.has(t)))),
    );
    await subscribeGroups(ctx);
    await openDurables(ctx);
  } catch (error) {
    ctx.state = 'idle';
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
  const { batching, maxBytes } = ctx;
  ctx.batcher =
    batching === undefined
      ? undefined
      : createBatcher(
          {
            encode: (items) => ctx.codec.encodeBatch(ctx.epoch, items),
            send: (channel, data, template) => transport.publish(channel, data, template),
          },
          batching.maxMessages,
          () => Math.min(batching.maxBytes, maxBytes, transport.batchBytes ?? maxBytes),
        );
  ctx.state = 'started';
  for (const client of ctx.system.values()) client.started?.();
}

/** Stops the bus for good: a stopped bus does not start again. */
export async function stop(ctx: BusContext): Promise<void> {
  if (ctx.state === 'stopped') return;
  // System features (presence: this node's leave) speak while the transport is still up, in the
  // reverse order of their installation: one installed later (the operations broadcaster) may
  // use one installed before it (presence) until its own goodbye is said.
  if (ctx.state === 'started') {
    for (const client of [...ctx.system.values()].reverse()) await client.stopping?.();
  }
  // A concurrent stop() may have finished meanwhile.
  if ((ctx.state as string) === 'stopped') return;
  ctx.state = 'stopped';
  ctx.replayGate?.clear();
  for (const stream of ctx.streams) stream.end();
  ctx.streams.clear();
  await closeDurables(ctx);
  for (const sub of allSubscriptions(ctx)) sub.close();
  ctx.table.clear();
  ctx.templateKeys.clear();
  ctx.groups.clear();
  await ctx.transport.close();
  ctx.reporter?.flush();
}

/** The server subscriptions of the consumer groups subscribed before start. */
async function subscribeGroups(ctx: BusContext): Promise<void> {
  const { transport } = ctx;
  for (const [group, table] of ctx.groups) {
    const topics = table.topics();
    if (topics[0] !== undefined) checkGroupTransport(ctx, topics[0], group);
    await Promise.all(
      topics.map((t) =>
        channelOp(ctx, groupChannelKey(t, group), () => transport.subscribe(t, group)),
      ),
    );
  }
}
