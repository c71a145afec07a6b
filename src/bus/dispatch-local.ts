/**
 * Local dispatch, the publish step that stays on this node (publish.ts calls it): the message
 * goes to this node's matching subscriptions through their queues, with the meta of a local
 * message. Nothing here is encoded, signed or sent.
 */
import type { ResolvedTopic } from '../schemas/define.js';
import type { BusContext } from './context.js';
import type { PublishScope } from './instrumentation.js';
import { excludedBy, type Route } from './route.js';
import { templateStateOf } from './templates.js';
import type { Message, MessageMeta } from './types.js';

/**
 * Local dispatch: the message to this node's subscriptions of the topic and of its templates,
 * each through its queue, minus the route's excluded sender. Never encoded, signed or sent; the
 * meta is built only when a subscription matches. Returns the local deliveries.
 */
export function dispatchHere(
  ctx: BusContext,
  resolved: ResolvedTopic,
  event: string,
  payload: unknown,
  route: Route,
  scope: PublishScope | undefined,
  id: string,
  sequence: number,
  time: number,
  version: number,
): number {
  const topicState = ctx.table.get(resolved.topic);
  const templateState = ctx.templateKeys.size > 0 ? templateStateOf(ctx, resolved) : undefined;
  if (!topicState && !templateState) return 0;
  const params = resolved.params;
  const meta = localMeta(ctx.nodeId, id, sequence, time, version, resolved, scope);
  const message: Message = { topic: resolved.topic, event, payload, params, meta };
  const exclude = excludedBy(route);
  let deliveries = 0;
  if (topicState) deliveries = ctx.table.dispatch(topicState, message, exclude);
  if (templateState) deliveries += ctx.table.dispatch(templateState, message, exclude);
  return deliveries;
}

/** The meta of a message delivered on this node, as it was published. */
function localMeta(
  node: string,
  id: string,
  seq: number,
  time: number,
  version: number,
  resolved: ResolvedTopic,
  trace: Pick<PublishScope, 'traceparent' | 'tracestate'> | undefined,
): MessageMeta {
  const meta: { -readonly [K in keyof MessageMeta]: MessageMeta[K] } = {
    id,
    node,
    seq,
    time,
    version,
    params: resolved.params,
    local: true,
  };
  if (trace?.traceparent !== undefined) meta.traceparent = trace.traceparent;
  if (trace?.tracestate !== undefined) meta.tracestate = trace.tracestate;
  return meta;
}
