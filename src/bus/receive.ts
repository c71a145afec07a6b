/**
 * Receive: transport bytes → decode with limits → verify signature → channel check → freshness
 * (skew window, replay) → registry and schema → local dispatch. Every refusal is counted by
 * reason and emitted as `rejected`; none reaches a handler.
 *
 * Each check is a step returning one result type, `{ ok: true } | { ok: false, rejection }`
 * (the shape of ReadOutcome); an accepted message shares one frozen `PASS`, so the hot path
 * allocates nothing for it. A message on a system channel (system.ts) goes to its feature after
 * the same checks, instead of to the registry.
 */
import type { TransportSink } from '../adapters/transport.js';
import type { EventEntry, ResolvedTopic } from '../schemas/define.js';
import type { ReadOutcome } from '../schemas/upgrade.js';
import type { Envelope } from '../security/codec.js';
import { inputText } from '../security/envelope.js';
import { RejectReason } from '../security/reasons.js';
import { type BusContext, nodeChannel, reject } from './context.js';
import { onTransportEvent } from './gaps.js';
import { dispatchGroup, groupFreshness } from './groups.js';
import { PASS, refusal, rejectionOf, type Step } from './steps.js';
import { DOLLAR } from './system.js';
import { onTemplateChannel, skipCopy, templateStateOf } from './templates.js';
import type { Message, MessageMeta } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The sink the bus hands its transport. */
export function createSink(ctx: BusContext): TransportSink {
  return {
    message: (channel, data, template) => guarded(ctx, channel, data, template, undefined),
    groupMessage: (channel, group, data) => guarded(ctx, channel, data, undefined, group),
    event: (event) => onTransportEvent(ctx, event),
    refused(channel, detail) {
      reject(ctx, { reason: RejectReason.Malformed, detail, channel });
    },
  };
}

/** `receive`, with any throw refused as malformed: no input may crash the process. */
function guarded(
  ctx: BusContext,
  channel: string,
  data: string | Uint8Array,
  template: string | undefined,
  group: string | undefined,
): void {
  try {
    receive(ctx, channel, data, template, group);
  } catch (error) {
    reject(ctx, {
      reason: RejectReason.Malformed,
      detail: `receive failed: ${String(error)}`,
      channel,
    });
  }
}

/**
 * Decodes what arrived on `channel` (through `template` when a template subscription carried
 * it) and checks each message of it on its own. For a consumer `group`, the server picked this
 * node, so its own publishes are no echoes: they are delivered.
 */
function receive(
  ctx: BusContext,
  channel: string,
  data: string | Uint8Array,
  template: string | undefined,
  group?: string,
): void {
  // Bytes become text once (size cap, UTF-8 check), not once for the echo check and again to decode.
  const text = typeof data === 'string' ? data : inputText(data, ctx.maxBytes);
  if (typeof text === 'string' && group === undefined && ctx.codec.isOwn(text, ctx.epoch)) {
    ctx.counters.echoes++;
    return;
  }
  const decoded = typeof text === 'string' ? ctx.codec.decodeAll(text) : text;
  if (!decoded.ok) {
    const { ok: _, ...refused } = decoded;
    reject(ctx, { ...refused, channel });
    return;
  }
  const envelopes = decoded.envelopes;
  for (let i = 0; i < envelopes.length; i++) {
    const env = envelopes[i]!;
    if (env.node !== ctx.nodeId || (group !== undefined && env.epoch === ctx.epoch)) {
      if (template !== undefined && skipCopy(ctx, channel, env.topic, template)) continue;
      const step = accept(ctx, channel, env, template, group);
      if (!step.ok) reject(ctx, step.rejection);
      continue;
    }
    // Only this instance's own epoch is an echo (docs/wire-format.md §7); another epoch under
    // this node id is another running process, and both sides must hear about it.
    if (env.epoch === ctx.epoch) {
      ctx.counters.echoes++;
      continue;
    }
    reject(
      ctx,
      rejectionOf(
        channel,
        env,
        RejectReason.DuplicateNode,
        `a message signed as node "${ctx.nodeId}" from another process (epoch ${env.epoch}): give every node its own nodeId`,
      ),
    );
    ctx.duplicates?.seen(env.epoch, channel);
  }
}

/** The security steps of one verified envelope; a shared replay store answers later. */
function accept(
  ctx: BusContext,
  channel: string,
  env: Envelope,
  template: string | undefined,
  group?: string,
): Step {
  const addressed = checkAddress(ctx, channel, env, template);
  if (!addressed.ok) return addressed;
  const fresh = checkFreshness(ctx, channel, env, group);
  if (!fresh.ok) return fresh;
  const gate = ctx.replayGate;
  // The shared replay store remembers plain deliveries; a group's copy is checked by its own memory.
  if (gate === undefined || group !== undefined) return admit(ctx, channel, env, group);
  // The shared store answers asynchronously; the gate keeps each publisher's order.
  gate.check(env.node, env.epoch, env.seq, (reason, detail) => {
    if (ctx.state !== 'started') return;
    let step: Step;
    try {
      step =
        reason === undefined
          ? admit(ctx, channel, env, group)
          : refusal(channel, env, reason, `message ${env.node}:${env.epoch}:${env.seq}: ${detail}`);
    } catch (error) {
      step = refusal(channel, env, RejectReason.Malformed, `receive failed: ${String(error)}`);
    }
    if (!step.ok) reject(ctx, step.rejection);
  });
  return PASS;
}

/**
 * Signed for the channel it arrived on, and (when direct) addressed to this node. Through a
 * template's own channel (a mirroring transport), its topic must be one of that template's.
 */
function checkAddress(
  ctx: BusContext,
  channel: string,
  env: Envelope,
  template: string | undefined,
): Step {
  const expected = env.to === undefined ? env.topic : nodeChannel(env.to);
  if (channel !== expected && !onTemplateChannel(ctx, channel, env, template)) {
    return refusal(
      channel,
      env,
      RejectReason.TopicMismatch,
      `signed for "${expected}" but arrived on "${channel}"`,
    );
  }
  if (env.to !== undefined && env.to !== ctx.nodeId)
    return refusal(channel, env, RejectReason.WrongNode, `addressed to node "${env.to}"`);
  return PASS;
}

/** Inside the clock window and not a replay (this node's memory; the shared store is the gate). */
function checkFreshness(ctx: BusContext, channel: string, env: Envelope, group?: string): Step {
  const freshness = group === undefined ? ctx.freshness : groupFreshness(ctx, group);
  const stale = freshness.check(env.node, env.epoch, env.seq, env.time);
  if (stale === undefined) return PASS;
  return refusal(
    channel,
    env,
    stale,
    `message ${env.node}:${env.epoch}:${env.seq} is ${stale === RejectReason.Replay ? 'a replay' : `outside the clock window (${env.time - ctx.now()} ms)`}`,
  );
}

/** After every security check: a system feature, or registry, schema and dispatch. */
function admit(ctx: BusContext, channel: string, env: Envelope, group?: string): Step {
  if (ctx.system.size > 0 && env.topic.charCodeAt(0) === DOLLAR) {
    const client = ctx.system.get(env.topic);
    if (client?.receive !== undefined) {
      ctx.counters.received++;
      client.receive(env.node, env.event, env.data);
      return PASS;
    }
  }
  const resolved = ctx.table.get(env.topic)?.resolved ?? ctx.registry.resolve(env.topic);
  if (!resolved) {
    return refusal(
      channel,
      env,
      RejectReason.UnknownTopic,
      `"${env.topic}" matches no topic in the local registry`,
    );
  }
  if (resolved.entry.def.raw) {
    deliver(ctx, env, resolved, env.data, env.version, group);
    return PASS;
  }
  const entry = resolved.entry.events.get(env.event);
  if (!entry) {
    return refusal(
      channel,
      env,
      RejectReason.UnknownEvent,
      `topic "${resolved.entry.def.template}" has no event "${env.event}"`,
    );
  }
  // Any version this node can read becomes its latest; a store look-up answers later.
  const outcome = ctx.versions.read(resolved.entry, entry, env, (late) => {
    if (ctx.state !== 'started') return;
    const step = settleRead(ctx, late, channel, env, resolved, entry, group);
    if (!step.ok) reject(ctx, step.rejection);
  });
  return outcome === undefined
    ? PASS
    : settleRead(ctx, outcome, channel, env, resolved, entry, group);
}

/** Delivers what the version stage read, or refuses it. */
function settleRead(
  ctx: BusContext,
  outcome: ReadOutcome,
  channel: string,
  env: Envelope,
  resolved: ResolvedTopic,
  entry: EventEntry,
  group: string | undefined,
): Step {
  if (outcome.ok) {
    deliver(ctx, env, resolved, outcome.payload, entry.def.version, group);
    return PASS;
  }
  const rejection = rejectionOf(channel, env, outcome.reason, outcome.detail);
  return {
    ok: false,
    rejection: outcome.field === undefined ? rejection : { ...rejection, field: outcome.field },
  };
}

/**
 * Counts and dispatches a verified payload, of this node's `version` of its event: to every
 * plain subscription of its topic, or to one of its consumer `group`'s.
 */
function deliver(
  ctx: BusContext,
  env: Envelope,
  resolved: ResolvedTopic,
  payload: unknown,
  version: number,
  group: string | undefined,
): void {
  ctx.counters.received++;
  const topicState = group === undefined ? ctx.table.get(env.topic) : undefined;
  const templateState =
    group === undefined && ctx.templateKeys.size > 0 ? templateStateOf(ctx, resolved) : undefined;
  if (!topicState && !templateState && group === undefined) {
    ctx.counters.unrouted++;
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
  const message: Message = {
    topic: env.topic,
    event: env.event,
    payload,
    params: resolved.params,
    meta,
  };
  if (topicState) ctx.table.dispatch(topicState, message);
  if (templateState) ctx.table.dispatch(templateState, message);
  if (group !== undefined && !dispatchGroup(ctx, group, message)) ctx.counters.unrouted++;
}
