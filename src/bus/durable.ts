/**
 * Durable subscriptions (docs/bus.md "Durable subscriptions"): on a topic declared `durable` in
 * the registry, `subscribe(topic, handler, { durable: 'billing' })` (a named consumer) or
 * `{ group: 'receipts' }` (one consumer shared by the group's members on every node) reads the
 * transport's stored log (`Transport.durable`, src/adapters/durable.ts) from its last
 * acknowledged message: after a restart or an outage it resumes with no gap. Each message runs
 * its handler once, one at a time in log order (durable-receive.ts), and is acknowledged when the
 * handler's promise resolves.
 *
 * Durable subscriptions live beside the subscription table, not in it: local dispatch never
 * reaches them (this node's own publishes come back from the log, like everyone's). The bus
 * declares the durable topics' logs when it starts, and refuses them on a transport that has no
 * `durable` store, naming the transports that do.
 */
import type { DurableTopicSpec } from '../adapters/durable.js';
import { DURABLE_TRANSPORTS } from '../adapters/table.js';
import { ConfigError } from '../errors.js';
import { ID_PATTERN } from '../rules.js';
import type { ResolvedTopic } from '../schemas/define.js';
import { duplicateWindowOf } from '../schemas/durable.js';
import { resolveTopic } from './checks.js';
import type { BusContext } from './context.js';
import { redeliveryOf } from './durable-options.js';
import type { DurableTarget } from './durable-receive.js';
import { DurableSubscription } from './durable-subscription.js';
import type { Handler, Message, SubscribeOptions, Subscription } from './types.js';

/** A durable subscription as the bus's lifecycle sees it: opened on start, closed on stop. */
export interface DurableRun {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** The durable topics of the registry, as the transport declares them. */
function durableSpecs(ctx: BusContext): DurableTopicSpec[] {
  return ctx.registry.entries.flatMap((e) => {
    const d = e.def.durable;
    if (d === undefined) return [];
    const { maxAgeMs, maxBytes, maxMessages } = d;
    return [
      {
        template: e.def.template,
        maxAgeMs,
        maxBytes,
        maxMessages,
        duplicateWindowMs: duplicateWindowOf(d),
      },
    ];
  });
}

/** The ConfigError of durable topics on a transport without a durable store. */
function noStore(ctx: BusContext, templates: readonly string[]): ConfigError {
  const list = templates.map((t) => `"${t}"`).join(', ');
  return new ConfigError(
    `the registry declares durable topics (${list}) and the ${ctx.transport.name} transport cannot store them`,
    {
      topic: templates[0],
      transport: ctx.transport.name,
      hint: `use a transport that stores durable topics: ${DURABLE_TRANSPORTS.join(', ')} (transport: '${DURABLE_TRANSPORTS[0] ?? 'nats'}'), or remove durable from these topics`,
    },
  );
}

/**
 * At createBus: refuses durable topics on a transport that can never store them (one with no
 * `durable` member at all; a fallback chain answers once it has connected, at start).
 */
export function checkDurableTransport(ctx: BusContext): void {
  const specs = durableSpecs(ctx);
  if (specs.length > 0 && !('durable' in ctx.transport)) {
    throw noStore(
      ctx,
      specs.map((s) => s.template),
    );
  }
}

/** At start, connected: declares the durable topics' logs, or refuses them. */
export async function declareDurable(ctx: BusContext): Promise<void> {
  const specs = durableSpecs(ctx);
  if (specs.length === 0) return;
  const store = ctx.transport.durable;
  if (store === undefined)
    throw noStore(
      ctx,
      specs.map((s) => s.template),
    );
  await store.declare(specs);
}

/** At start, after everything else: the durable subscriptions made before it. */
export async function openDurables(ctx: BusContext): Promise<void> {
  await Promise.all([...ctx.durables].map((run) => run.open()));
}

/** At stop, before the transport closes. */
export async function closeDurables(ctx: BusContext): Promise<void> {
  await Promise.all([...ctx.durables].map((run) => run.close()));
  ctx.durables.clear();
}

/** True when `opts` on `resolved` asks for a durable subscription. */
export function isDurable(resolved: ResolvedTopic, opts: SubscribeOptions): boolean {
  return (
    opts.durable !== undefined ||
    (opts.group !== undefined && resolved.entry.def.durable !== undefined)
  );
}

/** The checks of a durable subscription; returns its consumer's kind and name. */
function consumerOf(topic: string, resolved: ResolvedTopic, opts: SubscribeOptions) {
  const fail = (what: string, hint: string): never => {
    throw new ConfigError(`subscribe("${topic}"): ${what}`, { topic, hint });
  };
  if (opts.durable !== undefined && opts.group !== undefined)
    fail(
      'durable and group exclude each other',
      'a group is a shared durable consumer: pass one of them',
    );
  if (resolved.entry.def.durable === undefined)
    fail(
      `"${resolved.entry.def.template}" is not a durable topic`,
      'declare it with durable: { maxAgeMs, maxBytes } in the registry',
    );
  if (resolved.topic === resolved.entry.def.template && resolved.entry.parsed.params.length > 0)
    fail(
      'a durable subscription reads one concrete topic, not a template',
      'subscribe to each concrete topic, e.g. "orders:eu"',
    );
  const kind = opts.durable !== undefined ? ('durable' as const) : ('group' as const);
  const name = opts.durable ?? opts.group;
  if (typeof name !== 'string' || !ID_PATTERN.test(name))
    fail(
      `${kind} "${String(name)}" is not a valid name`,
      'use 1-64 characters of [A-Za-z0-9_.-], e.g. { durable: "billing" }',
    );
  return { kind, name: name as string };
}

/** Subscribes `handler` durably (the caller checked `isDurable`). */
export async function subscribeDurable(
  ctx: BusContext,
  topic: string,
  handler: Handler<Message>,
  opts: SubscribeOptions,
): Promise<Subscription> {
  const resolved = resolveTopic(ctx, topic);
  const { kind, name } = consumerOf(topic, resolved, opts);
  const redelivery = redeliveryOf(topic, opts.redelivery);
  const target: DurableTarget = {
    ctx,
    id: ctx.nextSubId++,
    resolved,
    handler,
    events: opts.events ? new Set(opts.events) : undefined,
    consumer: `${kind} "${name}"`,
    redelivery,
    handled: new Map(),
    stored: new Map(),
    tally: { calls: 0, handled: 0, deadLetters: 0, redelivered: 0 },
  };
  const spec = {
    template: resolved.entry.def.template,
    channel: resolved.topic,
    kind,
    name,
    ...redelivery,
  };
  const run = new DurableSubscription(ctx, target, spec);
  if (ctx.state === 'starting') await ctx.starting?.catch(() => undefined);
  ctx.durables.add(run);
  if (ctx.state === 'started') {
    try {
      await run.open();
    } catch (error) {
      ctx.durables.delete(run);
      throw error;
    }
  }
  opts.signal?.addEventListener('abort', () => void run.close(), { once: true });
  return run;
}
