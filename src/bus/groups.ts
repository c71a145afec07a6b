/**
 * Consumer groups: `subscribe(topic, handler, { group })`. Each message of the topic goes to one
 * member of the group among every node subscribed with it (on NATS, a queue group: the server
 * picks the node), instead of to every subscriber. A group subscription lives in its group's own
 * table, apart from plain ones: the local dispatch of a publish never reaches it (the server
 * decides, and hands this node's own publishes back when it picks this node), and a message the
 * transport delivers for a group goes to one of this node's subscriptions of that group, in turn.
 */
import { GROUP_TRANSPORTS } from '../adapters/table.js';
import { ConfigError } from '../errors.js';
import { ID_PATTERN } from '../rules.js';
import type { ResolvedTopic } from '../schemas/define.js';
import { createFreshness, type Freshness } from '../security/freshness.js';
import type { BusContext } from './context.js';
import { freshnessDefaults } from './options.js';
import { type SubState, SubscriptionTable } from './table.js';
import type { Message } from './types.js';

/**
 * Throws a ConfigError unless `group` is a valid group name (as a node id: `[A-Za-z0-9_.-]{1,64}`)
 * and `resolved` is a concrete topic (a group subscribes to one topic, not to a template).
 */
export function checkGroupName(topic: string, group: unknown, resolved: ResolvedTopic): void {
  if (typeof group !== 'string' || !ID_PATTERN.test(group)) {
    throw new ConfigError(`subscribe("${topic}"): group "${String(group)}" is not a valid name`, {
      topic,
      hint: 'use 1-64 characters of [A-Za-z0-9_.-], e.g. { group: "receipts" }',
    });
  }
  if (resolved.topic === resolved.entry.def.template && resolved.entry.parsed.params.length > 0) {
    throw new ConfigError(
      `subscribe("${topic}", { group }): a group cannot subscribe by template`,
      {
        topic,
        hint: 'subscribe the group to each concrete topic, e.g. "health:node:n1"',
      },
    );
  }
}

/** Throws a ConfigError when the bus's transport cannot serve consumer groups. */
export function checkGroupTransport(ctx: BusContext, topic: string, group: string): void {
  if (ctx.transport.groups === true) return;
  throw new ConfigError(
    `subscribe("${topic}", { group: "${group}" }): the ${ctx.transport.name} transport cannot deliver each message to one member of a group`,
    {
      topic,
      transport: ctx.transport.name,
      hint: `use a transport that serves consumer groups: ${GROUP_TRANSPORTS.join(', ')} (transport: '${GROUP_TRANSPORTS[0] ?? 'nats'}')`,
    },
  );
}

/** The table a subscription lives in: its group's, or the bus's plain one. */
export function tableOf(ctx: BusContext, group: string | undefined): SubscriptionTable {
  if (group === undefined) return ctx.table;
  let table = ctx.groups.get(group);
  if (!table) {
    table = new SubscriptionTable();
    ctx.groups.set(group, table);
  }
  return table;
}

/** The key that serializes server-side (un)subscribe calls of one channel and group. */
export const groupChannelKey = (topic: string, group: string | undefined): string =>
  group === undefined ? topic : `${group}\u0000${topic}`;

/** Every subscription of the bus, plain and group. */
export function allSubscriptions(ctx: BusContext): SubState[] {
  const subs = ctx.table.all();
  for (const table of ctx.groups.values()) subs.push(...table.all());
  return subs;
}

/** The freshness memory of one group's deliveries (a group's copy is no replay of the plain one). */
export function groupFreshness(ctx: BusContext, group: string): Freshness {
  let freshness = ctx.groupFreshness.get(group);
  if (!freshness) {
    freshness = createFreshness(freshnessDefaults(ctx.options), ctx.stamp);
    ctx.groupFreshness.set(group, freshness);
  }
  return freshness;
}

let turn = 0;

/**
 * Hands a message the transport delivered for `group` to one of this node's subscriptions of
 * that group (those that take its event), in turn: the first that takes it at or after the turn's
 * position. Allocates nothing per message. False when none takes it (it arrived after the last
 * one unsubscribed): it is counted as unrouted.
 */
export function dispatchGroup(ctx: BusContext, group: string, message: Message): boolean {
  const subs = ctx.groups.get(group)?.get(message.topic)?.subs;
  if (subs === undefined || subs.length === 0) return false;
  const n = subs.length;
  turn = (turn + 1) % 1_000_000_007;
  for (let k = 0; k < n; k++) {
    const sub = subs[(turn + k) % n]!;
    if (sub.events !== undefined && !sub.events.has(message.event)) continue;
    sub.queue.push(message);
    return true;
  }
  return false;
}
