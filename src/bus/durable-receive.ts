/**
 * One stored message of a durable subscription (docs/wire-format.md §"Stored messages"):
 * decode → verify (the codec, as on the live road) → address → freshness against the server's
 * stored time → handled-id memory → registry and schema → handler, then the acknowledgement.
 *
 * Freshness of a stored message is the skew between its signed time and the time the server
 * stored it, never the reader's clock: a replay of the log hours later is accepted because it
 * was stored fresh, and an attacker who re-publishes captured bytes gets a new stored time and
 * is refused `expired`. A message id handled before at the same log position (by this process,
 * or recorded by another one: the store's handled-id record) is a redelivery (its
 * acknowledgement was lost): recorded and acknowledged again, not handled twice; at another
 * position it is a re-publish, refused as `replay`. A refused message is terminated (never
 * redelivered).
 */
import type { DurableDelivery } from '../adapters/durable.js';
import type { ResolvedTopic } from '../schemas/define.js';
import type { ReadOutcome } from '../schemas/upgrade.js';
import type { Envelope } from '../security/codec.js';
import {
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_MAX_PAST_MS,
  outsideWindow,
} from '../security/freshness.js';
import { RejectReason } from '../security/reasons.js';
import { type BusContext, handlerError, reject } from './context.js';
import { backoffAfter, type Redelivery } from './durable-options.js';
import { recording } from './instrumentation.js';
import { rejectionOf } from './steps.js';
import type { Handler, Message } from './types.js';

/** A durable subscription as its deliveries see it. */
export interface DurableTarget {
  readonly ctx: BusContext;
  readonly id: number;
  readonly resolved: ResolvedTopic;
  readonly handler: Handler<Message>;
  readonly events: ReadonlySet<string> | undefined;
  /** `durable "billing"` or `group "receipts"`, for dead letters. */
  readonly consumer: string;
  readonly redelivery: Redelivery;
  /** Handled message ids → their log position (bounded, oldest forgotten first). */
  readonly handled: Map<string, number>;
  /** Ids the store recorded as handled (other processes, earlier runs), set when opened. */
  stored: ReadonlyMap<string, number>;
  /** Handler calls and dead letters, for the subscription's counts. */
  readonly tally: { calls: number; handled: number; deadLetters: number; redelivered: number };
}

const text = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Handles one delivery to its end: acknowledged, redelivered later, or terminated. */
export function handleDelivery(t: DurableTarget, d: DurableDelivery): void | Promise<void> {
  const { ctx } = t;
  const decoded = ctx.codec.decodeAll(d.data);
  if (!decoded.ok) {
    const { ok: _, ...refused } = decoded;
    reject(ctx, { ...refused, channel: d.channel });
    return settle(() => d.term(`refused: ${refused.reason}`));
  }
  const env = decoded.envelopes.length === 1 ? decoded.envelopes[0] : undefined;
  if (env === undefined) {
    reject(ctx, {
      reason: RejectReason.Malformed,
      detail: 'a stored message holds exactly one envelope',
      channel: d.channel,
    });
    return settle(() => d.term('refused: malformed'));
  }
  const id = `${env.node}:${env.epoch}:${env.seq}`;
  const refused = checkStored(t, d, env, id);
  if (refused === 'again') return settle(() => d.done(id));
  if (refused !== undefined) {
    reject(ctx, rejectionOf(d.channel, env, refused.reason, refused.detail));
    return settle(() => d.term(`refused: ${refused.reason}`));
  }
  // Most reads settle at once; only a shared-store look-up answers later.
  const pending = read(t, env);
  if (pending instanceof Promise) return pending.then((read) => afterRead(t, d, env, id, read));
  return afterRead(t, d, env, id, pending);
}

/** After the schema read: refused, skipped (an event it does not take), or handled. */
function afterRead(
  t: DurableTarget,
  d: DurableDelivery,
  env: Envelope,
  id: string,
  outcome: Read,
): void | Promise<void> {
  const { ctx } = t;
  if (!outcome.ok) {
    const rejection = rejectionOf(d.channel, env, outcome.reason, outcome.detail);
    reject(ctx, outcome.field === undefined ? rejection : { ...rejection, field: outcome.field });
    return settle(() => d.term(`refused: ${outcome.reason}`));
  }
  ctx.counters.received++;
  if (t.events !== undefined && !t.events.has(env.event)) {
    remember(t, id, d.position);
    return settle(() => d.ack());
  }
  return run(t, d, env, id, outcome.payload);
}

/** Address, freshness against the stored time, and the handled-id memory. */
function checkStored(
  t: DurableTarget,
  d: DurableDelivery,
  env: Envelope,
  id: string,
): { reason: RejectReason; detail: string } | 'again' | undefined {
  if (env.to !== undefined || env.topic !== d.channel) {
    const detail = `signed for "${env.to === undefined ? env.topic : `$node:${env.to}`}" but stored on "${d.channel}"`;
    return { reason: RejectReason.TopicMismatch, detail };
  }
  const freshness = t.ctx.options.freshness;
  const maxPastMs = freshness?.maxPastMs ?? DEFAULT_MAX_PAST_MS;
  const maxFutureMs = freshness?.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  const outside = outsideWindow(env.time, d.storedAt, maxPastMs, maxFutureMs);
  if (outside === RejectReason.Expired) {
    const detail = `message ${id} was stored ${d.storedAt - env.time} ms after it was signed`;
    return { reason: outside, detail };
  }
  if (outside === RejectReason.Future) {
    const detail = `message ${id} was signed ${env.time - d.storedAt} ms after it was stored`;
    return { reason: outside, detail };
  }
  const position = t.handled.get(id) ?? t.stored.get(id);
  if (position === undefined) return undefined;
  if (position === d.position) {
    t.tally.redelivered++;
    return 'again';
  }
  return { reason: RejectReason.Replay, detail: `message ${id} was stored again (a re-publish)` };
}

type Read =
  | ReadOutcome
  | {
      readonly ok: false;
      readonly reason: RejectReason;
      readonly detail: string;
      readonly field?: string;
    };

/** Registry and schema: the payload as this node's latest version (raw topics as they are). */
function read(t: DurableTarget, env: Envelope): Promise<Read> | Read {
  const { resolved } = t;
  if (resolved.entry.def.raw) return { ok: true, payload: env.data };
  const entry = resolved.entry.events.get(env.event);
  if (entry === undefined) {
    return {
      ok: false,
      reason: RejectReason.UnknownEvent,
      detail: `topic "${resolved.entry.def.template}" has no event "${env.event}"`,
    };
  }
  let done: ((outcome: Read) => void) | undefined;
  let late: Read | undefined;
  const now = t.ctx.versions.read(resolved.entry, entry, env, (outcome) => {
    if (done === undefined) late = outcome;
    else done(outcome);
  });
  if (now !== undefined) return now;
  if (late !== undefined) return late;
  return new Promise((resolve) => void (done = resolve));
}

/** Runs the handler; acknowledges, or redelivers with backoff, or gives up (dead letter). */
function run(
  t: DurableTarget,
  d: DurableDelivery,
  env: Envelope,
  id: string,
  payload: unknown,
): void | Promise<void> {
  const { ctx, resolved } = t;
  const version = resolved.entry.events.get(env.event)?.def.version ?? env.version;
  const message: Message = {
    topic: env.topic,
    event: env.event,
    payload,
    params: resolved.params,
    meta: {
      id,
      node: env.node,
      seq: env.seq,
      time: env.time,
      version,
      ...(version === env.version ? {} : { writerVersion: env.version }),
      params: resolved.params,
      local: false,
      kid: env.kid,
      size: env.size,
      ...(env.traceparent === undefined ? {} : { traceparent: env.traceparent }),
      ...(env.tracestate === undefined ? {} : { tracestate: env.tracestate }),
      deliveries: d.deliveries,
    },
  };
  ctx.counters.delivered++;
  t.tally.calls++;
  const info = {
    template: resolved.entry.def.template,
    subscription: t.id,
    transport: ctx.transport.name,
    node: ctx.nodeId,
  };
  const instr = recording(ctx.instrumentation);
  let result: unknown;
  try {
    result =
      instr === undefined
        ? t.handler(message)
        : instr.process(message, info, () => t.handler(message));
  } catch (error) {
    return failed(t, d, env, id, error);
  }
  // Any thenable is awaited: its settling is the handler's completion, which acknowledges. A
  // handler that returns at once is acknowledged in the same turn: nats.js writes every
  // acknowledgement of one turn in one socket write.
  if (typeof (result as PromiseLike<void> | undefined)?.then === 'function') {
    return Promise.resolve(result as PromiseLike<void>).then(
      () => succeeded(t, d, id),
      (error: unknown) => failed(t, d, env, id, error),
    );
  }
  succeeded(t, d, id);
}

/** The handler completed: remembered, recorded by the store, then acknowledged. */
function succeeded(t: DurableTarget, d: DurableDelivery, id: string): void {
  t.tally.handled++;
  remember(t, id, d.position);
  settle(() => d.done(id));
}

/** The handler failed: redelivered after its backoff, or given up as a dead letter. */
function failed(t: DurableTarget, d: DurableDelivery, env: Envelope, id: string, error: unknown) {
  const { ctx } = t;
  handlerError(ctx, env.topic, env.event, t.id, error);
  if (d.deliveries < t.redelivery.maxDeliver) {
    return settle(() => d.nak(backoffAfter(t.redelivery, d.deliveries)));
  }
  t.tally.deadLetters++;
  ctx.events.emit('dead_letter', {
    topic: env.topic,
    event: env.event,
    id,
    subscription: t.id,
    consumer: t.consumer,
    deliveries: d.deliveries,
    error,
  });
  settle(() => d.term(`dead letter after ${d.deliveries} deliveries: ${text(error)}`));
}

/** Remembers a handled id, forgetting the oldest beyond the limit. */
function remember(t: DurableTarget, id: string, position: number): void {
  t.handled.set(id, position);
  if (t.handled.size > t.redelivery.remember) {
    const oldest = t.handled.keys().next().value;
    if (oldest !== undefined) t.handled.delete(oldest);
  }
}

/** An ack/nak/term on a closed connection: the server redelivers after its ack wait. */
function settle(op: () => void): void {
  try {
    op();
  } catch {
    // Nothing to do: an unacknowledged message is delivered again, and the handled-id memory
    // keeps a handled one from running twice.
  }
}
