/**
 * Publish: resolve topic → validate payload → local dispatch (never encoded: it never left the
 * process) → envelope → sign → encode → transport.publish, inside the PRODUCER span. The route
 * (route.ts) says where the message goes; its kind is the span's kind.
 *
 * Hot path: a publish allocates its message, meta and envelope fields and nothing else (no
 * options object, no spreads: spreads cost 13-41% of a local publish).
 */
import { ErrorCode, HeraldError } from '../errors.js';
import type { EventEntry, ResolvedTopic } from '../schemas/define.js';
import type { Validator } from '../schemas/validator.js';
import type { EnvelopeFields } from '../security/codec.js';
import type { Batcher } from './batcher.js';
import { checkPayload, draftRefused } from './checks.js';
import type { BusContext } from './context.js';
import { nodeChannel, notStarted } from './context.js';
import { dispatchHere } from './dispatch-local.js';
import { messageId } from './ids.js';
import { type PublishScope, recording } from './instrumentation.js';
import { type EventPlan, planOf, type TopicPlan } from './plan.js';
import { SettledReceipt } from './receipt.js';
import { leavesNode, type Route, reachesNode, staysLocal, targetOf } from './route.js';
import { type Sent, send, sendBatched, sendDurable } from './send.js';
import type { PublishReceipt } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The trace context a publish span hands its message. */
interface TraceContext {
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
}

/**
 * Publishes one message on its route. Not `async`: the promise it returns is transmit's own, so
 * a publish makes no promise more than the road needs; a refused check is a rejected promise.
 */
export function publish(
  ctx: BusContext,
  topic: string,
  event: string,
  payload: unknown,
  route: Route,
): Promise<PublishReceipt> {
  try {
    if (ctx.state !== 'started') throw notStarted(ctx, 'publish');
    // One look-up for the topic's immutable facts (plan.ts), checked as they were planned.
    const plan = planOf(ctx, topic, event, route.kind === 'raw');
    const topicPlan = plan.of;
    const entry = plan.entry;
    if (entry === undefined) return transmit(ctx, topicPlan, event, payload, 0, route);
    const resolved = topicPlan.resolved;
    const version = entry.def.version;
    if (entry.def.draft && ctx.options.drafts !== true)
      throw draftRefused(topic, resolved.entry.key, event, version);
    // With a shared schema store, this node's versions are registered before its first send.
    const announced = staysLocal(route) ? undefined : ctx.versions.announce(resolved.entry, entry);
    if (announced !== undefined) {
      return afterAnnounce(announced, ctx, plan, topic, payload, route);
    }
    checkPayload(plan.validator as Validator, resolved, entry, topic, payload);
    return transmit(ctx, topicPlan, event, payload, version, route);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * A publish that waits for its versions to be registered first. Its own function: a closure in
 * `publish` would make V8 allocate a context for `publish`'s variables on every call (128 bytes
 * per validated publish), whether or not the closure is ever made.
 */
function afterAnnounce(
  announced: Promise<void>,
  ctx: BusContext,
  plan: EventPlan,
  topic: string,
  payload: unknown,
  route: Route,
): Promise<PublishReceipt> {
  return announced.then(() => {
    const entry = plan.entry as EventEntry;
    checkPayload(plan.validator as Validator, plan.of.resolved, entry, topic, payload);
    return transmit(ctx, plan.of, entry.name, payload, entry.def.version, route);
  });
}

/**
 * After the checks: stamp, span, local dispatch, encode, and send. Synchronous up to the send: a
 * publish that sends nothing (in-process, nobody remote listens) settles here, and its receipt
 * is a `SettledReceipt` that makes a promise only if someone awaits it (receipt.ts).
 */
function transmit(
  ctx: BusContext,
  plan: TopicPlan,
  event: string,
  payload: unknown,
  version: number,
  route: Route,
): Promise<PublishReceipt> {
  const { transport, nodeId } = ctx;
  const resolved = plan.resolved;
  const remote = leavesNode(route, nodeId);
  // Key scopes and verify-only nodes: refused before anything is delivered or sent.
  if (remote) ctx.codec.authorize(resolved.topic);
  const to = targetOf(route);
  const channel = to === undefined ? resolved.topic : nodeChannel(to);
  // A wildcard topic's template travels with it: mirroring transports send it there too.
  const template = to === undefined ? plan.template : undefined;
  const sequence = ++ctx.seq;
  const time = ctx.stamp();
  const id = messageId(ctx, sequence);
  const scope = publishSpan(ctx, resolved, event, version, route);
  let encoded: string | undefined;
  let item: string | undefined;
  let localDeliveries = 0;
  // A durable topic's message is stored, one envelope per message (never batched), under its id.
  const durable = remote && to === undefined && resolved.entry.def.durable !== undefined;
  try {
    if (durable || (remote && transport.hasRemoteInterest?.(channel, template) !== false)) {
      const fields = envelope(
        ctx,
        resolved.topic,
        event,
        payload,
        version,
        sequence,
        time,
        to,
        scope,
      );
      item = durable ? undefined : batchItem(ctx, channel, fields);
      if (item === undefined) encoded = encodeChecked(ctx, fields, resolved.topic);
    }
    ctx.counters.published++;
    if (reachesNode(route, nodeId)) {
      localDeliveries = dispatchHere(
        ctx,
        resolved,
        event,
        payload,
        route,
        scope,
        id,
        sequence,
        time,
        version,
      );
    }
  } catch (error) {
    scope?.end({ id, localDeliveries, sent: false, error });
    throw error;
  }
  if (encoded === undefined && item === undefined) {
    scope?.end({ id, localDeliveries, sent: false });
    return new SettledReceipt(ctx, id, sequence, resolved.topic, event, localDeliveries);
  }
  const sent: Sent = {
    id,
    seq: sequence,
    topic: resolved.topic,
    event,
    localDeliveries,
    scope,
    template,
  };
  if (durable)
    return sendDurable(ctx, channel, encoded as string, sent, resolved.entry.def.template);
  return item === undefined
    ? send(ctx, channel, encoded as string, sent)
    : sendBatched(ctx, channel, item, sent);
}

/**
 * Batching: the first message of its channel in this tick goes alone, at once (undefined); the
 * next ones return their JSON, to be signed with the others of their channel and tick.
 */
function batchItem(ctx: BusContext, channel: string, fields: EnvelopeFields): string | undefined {
  const batcher = batcherFor(ctx);
  if (batcher === undefined || batcher.first(channel)) return undefined;
  const item = ctx.codec.item(fields);
  if (batcher.fits(item)) return item;
  // Too large to share an envelope: it goes alone, after the batch open before it.
  batcher.cut(channel);
  return undefined;
}

/** The batcher a publish uses now: on over remote transports, or everywhere when asked. */
function batcherFor(ctx: BusContext): Batcher | undefined {
  const { batcher } = ctx;
  if (batcher === undefined) return undefined;
  return ctx.batching?.everywhere === true ||
    ctx.transport.remote === true ||
    ctx.transport.batched === true
    ? batcher
    : undefined;
}

/** The PRODUCER span of a publish, when an SDK records one; its kind is the route's. */
function publishSpan(
  ctx: BusContext,
  resolved: ResolvedTopic,
  event: string,
  version: number,
  route: Route,
): PublishScope | undefined {
  const instrumentation = recording(ctx.instrumentation);
  if (instrumentation === undefined) return undefined;
  return instrumentation.publish({
    topic: resolved.topic,
    template: resolved.entry.def.template,
    event,
    version,
    kind: route.kind,
    transport: ctx.transport.name,
    node: ctx.nodeId,
  });
}

/** The envelope fields of an outbound message (no spreads: this is the hot path). */
function envelope(
  ctx: BusContext,
  topic: string,
  event: string,
  data: unknown,
  version: number,
  seq: number,
  time: number,
  to: string | undefined,
  trace: TraceContext | undefined,
): EnvelopeFields {
  const fields: Mutable<EnvelopeFields> = {
    epoch: ctx.epoch,
    seq,
    time,
    topic,
    event,
    version,
    data,
  };
  if (to !== undefined) fields.to = to;
  if (trace?.traceparent !== undefined) fields.traceparent = trace.traceparent;
  if (trace?.tracestate !== undefined) fields.tracestate = trace.tracestate;
  return fields;
}

/** Encodes and signs one envelope, refusing it when it is larger than `limits.maxBytes`. */
function encodeChecked(ctx: BusContext, fields: EnvelopeFields, topic: string): string {
  const encoded = ctx.codec.encode(fields);
  if (encoded.length > ctx.maxBytes) {
    throw new HeraldError(
      ErrorCode.MessageTooLarge,
      `message on "${topic}" is ${encoded.length} bytes encoded; the limit is ${ctx.maxBytes}`,
      {
        topic,
        event: fields.event,
        hint: 'send less data per message, or raise limits.maxBytes on every node',
      },
    );
  }
  return encoded;
}
