/**
 * The topology step of the cluster router (`cluster.ts`): where the slot map comes from
 * (`CLUSTER SLOTS` on a live link, else on a seed node with a short-lived connection), and what
 * a new map changes: a link for each new master, channels whose slot moved unsubscribed from the
 * old master and adopted by the new one (signalled as an outage, so the bus reports a gap), the
 * links of masters that left closed. Refreshes never overlap.
 */
import { ioredis } from './driver.js';
import { createLink, type Link, type LinkHooks } from './link.js';
import type { RedisNode, ResolvedRedisOptions } from './options.js';
import type { RouterHooks } from './router.js';
import { keySlot, nodeKey, parseClusterSlots, type SlotMap } from './slots.js';

/** Everything the cluster router knows. */
export interface ClusterState {
  readonly config: ResolvedRedisOptions;
  readonly token: string;
  readonly hooks: RouterHooks;
  /** The transport's hooks with the topology ones added, for each link. */
  readonly linkHooks: LinkHooks;
  readonly links: Map<string, Link>;
  /** The transient probe channel of each link, by link key (cleared with each new map). */
  readonly probeNames: Map<string, string>;
  map: SlotMap | undefined;
  refreshing: Promise<void> | undefined;
  lastRefresh: number;
  started: boolean;
  closed: boolean;
}

/** The link of the master that owns the slot of `name`. */
export function linkFor(s: ClusterState, name: string): Link | undefined {
  const owner = s.map?.owner(keySlot(name));
  return owner ? s.links.get(nodeKey(owner)) : undefined;
}

/** Asks one node for the slot map with a short-lived connection. */
async function slotsFromSeed(config: ResolvedRedisOptions, seed: RedisNode): Promise<SlotMap> {
  const redis = new (ioredis().Redis)({
    ...config.base,
    host: seed.host,
    port: seed.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: config.connectTimeoutMs,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return parseClusterSlots(await redis.call('CLUSTER', 'SLOTS'), seed.host);
  } finally {
    redis.disconnect(false);
  }
}

export async function fetchSlots(s: ClusterState): Promise<SlotMap> {
  const errors: string[] = [];
  for (const link of s.links.values()) {
    if (!link.canPublish) continue;
    try {
      return parseClusterSlots(await link.command('CLUSTER', 'SLOTS'), link.node.host);
    } catch (error) {
      errors.push(`${link.key}: ${error instanceof Error ? error.message : error}`);
    }
  }
  for (const seed of s.config.nodes) {
    try {
      return await slotsFromSeed(s.config, seed);
    } catch (error) {
      errors.push(`${nodeKey(seed)}: ${error instanceof Error ? error.message : error}`);
    }
  }
  throw new Error(`no cluster node answered CLUSTER SLOTS (${errors.join('; ')})`);
}

/** Takes a new slot map into use (see the module doc). */
export async function apply(s: ClusterState, next: SlotMap): Promise<void> {
  s.map = next;
  s.probeNames.clear();
  for (const node of next.masters) {
    const key = nodeKey(node);
    if (s.links.has(key)) continue;
    const link = createLink(s.config, node, true, s.token, s.linkHooks);
    s.links.set(key, link);
    if (s.started) link.startInBackground();
  }
  const moves: Promise<void>[] = [];
  for (const link of s.links.values()) {
    for (const name of [...link.names]) {
      const owner = linkFor(s, name);
      if (!owner || owner === link) continue;
      if (link.healthy) s.hooks.down(link, `slot of "${name}" moved to ${owner.key}`, Date.now());
      moves.push(
        link.unsubscribe(name).catch(() => {}),
        owner.adopt(name),
      );
    }
  }
  for (const [key, link] of s.links) {
    if (next.masters.some((m) => nodeKey(m) === key)) continue;
    s.links.delete(key);
    s.probeNames.delete(key);
    moves.push(link.close());
  }
  await Promise.all(moves);
  const any = s.links.values().next().value;
  if (any) s.hooks.up(any);
}

/** Fetches and applies the slot map; joins a refresh already in flight. */
export function refresh(s: ClusterState): Promise<void> {
  if (s.closed) return Promise.resolve();
  s.refreshing ??= fetchSlots(s)
    .then((next) => apply(s, next))
    .finally(() => {
      s.lastRefresh = Date.now();
      s.refreshing = undefined;
    });
  return s.refreshing;
}
