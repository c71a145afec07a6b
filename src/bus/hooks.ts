/**
 * The hooks of one subscription's queue (queue.ts): how a delivery runs its handler (inside its
 * CONSUMER span when an SDK records one), and how slowness, handler errors and overflow are
 * counted and reported. Built once per subscription; a delivery allocates nothing here.
 */
import { ErrorCode, HeraldError } from '../errors.js';
import type { ResolvedTopic } from '../schemas/define.js';
import { type BusContext, handlerError } from './context.js';
import type { SubscriptionHelpers } from './helpers/index.js';
import { recording } from './instrumentation.js';
import type { QueueHooks } from './queue.js';
import type { BatchHandler, Handler, Message } from './types.js';

/** Handler calls and messages handled, for the subscription's counts. */
export interface Tally {
  calls: number;
  handled: number;
}

/** What the hooks know of their subscription. */
export interface HookTarget {
  readonly id: number;
  readonly resolved: ResolvedTopic;
  readonly handler: Handler<Message> | BatchHandler<Message>;
  readonly helpers: SubscriptionHelpers<Message>;
  readonly limit: number;
  readonly tally: Tally;
  /** Cancels the subscription (overflow under the `error` policy). */
  readonly cancel: (error: HeraldError) => void;
}

/**
 * What a topic lane (lane.ts) needs to run a plain subscription's handler itself, one call per
 * delivery instead of the hook's: the handler, its counts, and whether instrumentation is idle
 * (asked once per lane round). The counts are the hook's, so `stats()` and `counts` do not move.
 */
export interface DirectRun {
  readonly handler: Handler<Message>;
  readonly tally: Tally;
  /**
   * The bus: its instrumentation says whether the handler may run bare (`recording`), its
   * `counters.delivered` counts each delivery (read per delivery: replaced at start).
   */
  readonly ctx: BusContext;
}

/** The direct run of a subscription whose handler takes one message at a time. */
export function directRun(ctx: BusContext, target: HookTarget): DirectRun {
  return { handler: target.handler as Handler<Message>, tally: target.tally, ctx };
}

/** Creates the queue hooks of one subscription. */
export function queueHooks(ctx: BusContext, target: HookTarget): QueueHooks<Message> {
  const { id, resolved, helpers, tally, limit } = target;
  const { instrumentation } = ctx;
  const info = () => ({
    template: resolved.entry.def.template,
    subscription: id,
    transport: ctx.transport.name,
    node: ctx.nodeId,
  });
  return {
    run: (message) => {
      ctx.counters.delivered++;
      tally.calls++;
      tally.handled++;
      const one = target.handler as Handler<Message>;
      const active = recording(instrumentation);
      if (active === undefined) return one(message);
      // A throttled or debounced delivery stands for the messages it superseded: link them all.
      const group = helpers.groupOf(message);
      if (group !== undefined && active.processBatch !== undefined) {
        return active.processBatch(group, info(), () => one(message));
      }
      return active.process(message, info(), () => one(message));
    },
    runBatch: (messages) => {
      ctx.counters.delivered++;
      tally.calls++;
      tally.handled += messages.length;
      const many = target.handler as BatchHandler<Message>;
      const active = recording(instrumentation);
      if (active?.processBatch === undefined) return many(messages);
      return active.processBatch(messages, info(), () => many(messages));
    },
    slow: (slow, pending) => {
      ctx.events.emit('slow_consumer', {
        topic: resolved.topic,
        subscription: id,
        slow,
        pending,
        threshold: helpers.slowAt,
      });
    },
    failed: (message, error) => handlerError(ctx, message.topic, message.event, id, error),
    overflowed: (policy, dropped) => {
      ctx.counters.overflowDrops += dropped;
      if (dropped > 0) instrumentation?.dropped(resolved.topic, dropped);
      ctx.events.emit('overflow', { topic: resolved.topic, subscription: id, policy, dropped });
      if (policy !== 'error') return;
      const error = new HeraldError(
        ErrorCode.QueueOverflow,
        `subscription ${id} to "${resolved.topic}" overflowed its queue of ${limit}`,
        {
          topic: resolved.topic,
          hint: 'make the handler faster, raise queue.limit, or choose a drop-* overflow policy',
        },
      );
      ctx.events.emit('subscription_error', { topic: resolved.topic, subscription: id, error });
      target.cancel(error);
    },
  };
}
