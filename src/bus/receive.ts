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
import { type Envelope, isRejection } from '../security/codec.js';
import { type Rejection, RejectReason } from '../security/reasons.js';
import { type BusContext, nodeChannel, reject } from './context.js';
import { onTransportEvent } from './gaps.js';
import { dispatchGroup, groupFreshness } from './groups.js';
import { DOLLAR } from './system.js';
import type { Message, MessageMeta } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The result of one receive step. */
export type Step = { readonly ok: true } | { readonly ok: false; readonly rejection: Rejection };

/** The one accepted result every step shares. */
const PASS: Step = Object.freeze({ ok: true });

/** The rejection of `env` for `reason`, naming where it came from. */
function rejectionOf(
  channel: string,
  env: Envelope,
  reason: RejectReason,
  detail: string,
): Rejection {
  return {
    channel,
    topic: env.topic,
    event: env.event,
    node: env.node,
    kid: env.kid,
    reason,
    detail,
  };
}

/** A refused step. */
function refusal(channel: string, env: Envelope, reason: RejectReason, detail: string): Step {
  return { ok: false, rejection: rejectionOf(channel, env, reason, detail) };
}

/** The sink the bus hands its transport. */
export function createSink(ctx: BusContext): TransportSink {
  return {
    message(channel, data) {
      try {
        receive(ctx, channel, data);
      } catch (error) {
        // Defence in depth: no input may crash the process.
        reject(ctx, {
          reason: RejectReason.Malformed,
          detail: `receive failed: ${String(error)}`,
          channel,
        });
      }
    },
    groupMessage(channel, group, data) {
      try {
        receive(ctx, channel, data, group);
      } catch (error) {
        reject(ctx, {
          reason: RejectReason.Malformed,
          detail: `receive failed: ${String(error)}`,
          channel,
        });
      }
    },
    event: (event) => onTransportEvent(ctx, event),
    refused(channel, detail) {
      reject(ctx, { reason: RejectReason.Malformed, detail, channel });
    },
  };
}

/**
 * Decodes what arrived on `channel` and checks each message of it on its own. For a consumer
 * `group`, the server picked this node, so its own publishes are no echoes: they are delivered.
 */
function receive(
  ctx: BusContext,
  channel: string,
  data: string | Uint8Array,
  group?: string,
): void {
  if (group === undefined && ctx.codec.isOwn(data, ctx.epoch)) {
    ctx.counters.echoes++;
    return;
  }
  const decoded = ctx.codec.decodeAll(data);
  if (isRejection(decoded)) {
    reject(ctx, { ...decoded, channel });
    return;
  }
  for (let i = 0; i < decoded.length; i++) {
    const env = decoded[i]!;
    if (env.node !== ctx.nodeId || (group !== undefined && env.epoch === ctx.epoch)) {
      const step = accept(ctx, channel, env, group);
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
function accept(ctx: BusContext, channel: string, env: Envelope, group?: string): Step {
  const addressed = checkAddress(ctx, channel, env);
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

/** Signed for the channel it arrived on, and (when direct) addressed to this node. */
function checkAddress(ctx: BusContext, channel: string, env: Envelope): Step {
  const expected = env.to === undefined ? env.topic : nodeChannel(env.to);
  if (channel !== expected) {
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
  if (!topicState && group === undefined) {
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
  const message: Message = { topic: env.topic, event: env.event, payload, meta };
  if (topicState) ctx.table.dispatch(topicState, message);
  else if (group !== undefined && !dispatchGroup(ctx, group, message)) ctx.counters.unrouted++;
}
