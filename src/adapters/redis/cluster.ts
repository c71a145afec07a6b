/**
 * Redis Cluster routing for sharded pub/sub (Redis 7+): one link per master, each channel
 * published with SPUBLISH and subscribed with SSUBSCRIBE on the master that owns its hash slot.
 *
 * The slot map comes from `CLUSTER SLOTS`; it is refreshed on a MOVED reply, before every
 * resubscribe, and while a link keeps failing (a replica may have been promoted). Channels whose
 * slot moved are unsubscribed from the old master and subscribed on the new one; the move is
 * signalled as an outage, so the bus reports a gap.
 */
import { ErrorCode, TransportError } from '../../errors.js';
import { ioredis } from './driver.js';
import { createLink, isMoved, type Link } from './link.js';
import type { RedisNode, ResolvedRedisOptions } from './options.js';
import type { Router, RouterHooks } from './router.js';
import { keySlot, nodeKey, parseClusterSlots, type SlotMap } from './slots.js';

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

/** Creates the cluster router. */
export function createClusterRouter(
  config: ResolvedRedisOptions,
  token: string,
  hooks: RouterHooks,
): Router {
  const links = new Map<string, Link>();
  const probeNames = new Map<string, string>();
  let map: SlotMap | undefined;
  let refreshing: Promise<void> | undefined;
  let lastRefresh = 0;
  let started = false;
  let closed = false;

  const linkHooks = {
    ...hooks,
    beforeResubscribe: () => refresh(),
    moved: () => void refresh().catch(() => {}),
    reconnecting(attempt: number, delayMs: number) {
      hooks.reconnecting(attempt, delayMs);
      // A master that stays away may have been replaced by a promoted replica.
      if (Date.now() - lastRefresh > 1000) void refresh().catch(() => {});
    },
  };

  const linkFor = (name: string): Link | undefined => {
    const owner = map?.owner(keySlot(name));
    return owner ? links.get(nodeKey(owner)) : undefined;
  };

  async function fetchSlots(): Promise<SlotMap> {
    const errors: string[] = [];
    for (const link of links.values()) {
      if (!link.canPublish) continue;
      try {
        return parseClusterSlots(await link.command('CLUSTER', 'SLOTS'), link.node.host);
      } catch (error) {
        errors.push(`${link.key}: ${error instanceof Error ? error.message : error}`);
      }
    }
    for (const seed of config.nodes) {
      try {
        return await slotsFromSeed(config, seed);
      } catch (error) {
        errors.push(`${nodeKey(seed)}: ${error instanceof Error ? error.message : error}`);
      }
    }
    throw new Error(`no cluster node answered CLUSTER SLOTS (${errors.join('; ')})`);
  }

  async function apply(next: SlotMap): Promise<void> {
    map = next;
    probeNames.clear();
    for (const node of next.masters) {
      const key = nodeKey(node);
      if (links.has(key)) continue;
      const link = createLink(config, node, true, token, linkHooks);
      links.set(key, link);
      if (started) link.startInBackground();
    }
    const moves: Promise<void>[] = [];
    for (const link of links.values()) {
      for (const name of [...link.names]) {
        const owner = linkFor(name);
        if (!owner || owner === link) continue;
        if (link.healthy) hooks.down(link, `slot of "${name}" moved to ${owner.key}`, Date.now());
        moves.push(
          link.unsubscribe(name).catch(() => {}),
          owner.adopt(name),
        );
      }
    }
    for (const [key, link] of links) {
      if (next.masters.some((m) => nodeKey(m) === key)) continue;
      links.delete(key);
      probeNames.delete(key);
      moves.push(link.close());
    }
    await Promise.all(moves);
    const any = links.values().next().value;
    if (any) hooks.up(any);
  }

  function refresh(): Promise<void> {
    if (closed) return Promise.resolve();
    refreshing ??= fetchSlots()
      .then(apply)
      .finally(() => {
        lastRefresh = Date.now();
        refreshing = undefined;
      });
    return refreshing;
  }

  const noOwner = (name: string): TransportError =>
    new TransportError(
      ErrorCode.PublishFailed,
      `redis transport: no cluster master serves the slot of "${name}" (${keySlot(name)})`,
      { transport: 'redis', hint: 'check CLUSTER INFO: every slot must be covered' },
    );

  /** Runs `op` on the owner of `name`; after a MOVED reply, refreshes the slots and retries once. */
  async function routed(name: string, op: (link: Link) => Promise<void>): Promise<void> {
    const link = linkFor(name);
    if (!link) throw noOwner(name);
    try {
      await op(link);
    } catch (error) {
      if (!isMoved(error)) throw error;
      await refresh();
      const owner = linkFor(name);
      if (!owner) throw noOwner(name);
      await op(owner);
    }
  }

  return {
    async start() {
      await apply(await fetchSlots());
      await Promise.all([...links.values()].map((l) => l.start()));
      started = true;
    },
    linkFor,
    links: () => [...links.values()],
    probeName(link) {
      let name = probeNames.get(link.key);
      for (let i = 0; name === undefined && i < 100_000; i++) {
        const candidate = `${config.prefix}$probe:{${token}.${i}}`;
        if (linkFor(candidate) === link) name = candidate;
      }
      name ??= `${config.prefix}$probe:${token}`;
      probeNames.set(link.key, name);
      return name;
    },
    publish: (name, data) => routed(name, (link) => link.publish(name, data)),
    subscribe: (name) => routed(name, (link) => link.subscribe(name)),
    async unsubscribe(name) {
      await Promise.all(
        [...links.values()].filter((l) => l.names.has(name)).map((l) => l.unsubscribe(name)),
      );
    },
    async close() {
      closed = true;
      await Promise.all([...links.values()].map((l) => l.close()));
      links.clear();
    },
  };
}
