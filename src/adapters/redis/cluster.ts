/**
 * Redis Cluster routing for sharded pub/sub (Redis 7+): one link per master, each channel
 * published with SPUBLISH and subscribed with SSUBSCRIBE on the master that owns its hash slot.
 *
 * The slot map comes from `CLUSTER SLOTS`; it is refreshed on a MOVED reply, before every
 * resubscribe, and while a link keeps failing (a replica may have been promoted). Channels whose
 * slot moved are unsubscribed from the old master and subscribed on the new one; the move is
 * signalled as an outage, so the bus reports a gap (`cluster-topology.ts`).
 */
import { ErrorCode, TransportError } from '../../errors.js';
import { apply, type ClusterState, fetchSlots, linkFor, refresh } from './cluster-topology.js';
import { isMoved, type Link, type LinkHooks } from './link.js';
import type { ResolvedRedisOptions } from './options.js';
import type { Router, RouterHooks } from './router.js';
import { keySlot } from './slots.js';

/** Creates the cluster router. */
export function createClusterRouter(
  config: ResolvedRedisOptions,
  token: string,
  hooks: RouterHooks,
): Router {
  const linkHooks: LinkHooks = {
    ...hooks,
    beforeResubscribe: () => refresh(s),
    moved: () => void refresh(s).catch(() => {}),
    reconnecting(attempt: number, delayMs: number) {
      hooks.reconnecting(attempt, delayMs);
      // A master that stays away may have been replaced by a promoted replica.
      if (Date.now() - s.lastRefresh > 1000) void refresh(s).catch(() => {});
    },
  };
  const s: ClusterState = {
    config,
    token,
    hooks,
    linkHooks,
    links: new Map(),
    probeNames: new Map(),
    map: undefined,
    refreshing: undefined,
    lastRefresh: 0,
    started: false,
    closed: false,
  };
  return {
    async start() {
      await apply(s, await fetchSlots(s));
      await Promise.all([...s.links.values()].map((l) => l.start()));
      s.started = true;
    },
    linkFor: (name) => linkFor(s, name),
    links: () => [...s.links.values()],
    probeName: (link) => probeName(s, link),
    publish: (name, data) => routed(s, name, (link) => link.publish(name, data)),
    subscribe: (name) => routed(s, name, (link) => link.subscribe(name)),
    async unsubscribe(name) {
      await Promise.all(
        [...s.links.values()].filter((l) => l.names.has(name)).map((l) => l.unsubscribe(name)),
      );
    },
    async close() {
      s.closed = true;
      await Promise.all([...s.links.values()].map((l) => l.close()));
      s.links.clear();
    },
  };
}

/** A channel private to this transport whose slot `link` owns, for transient probes. */
function probeName(s: ClusterState, link: Link): string {
  let name = s.probeNames.get(link.key);
  for (let i = 0; name === undefined && i < 100_000; i++) {
    const candidate = `${s.config.prefix}$probe:{${s.token}.${i}}`;
    if (linkFor(s, candidate) === link) name = candidate;
  }
  name ??= `${s.config.prefix}$probe:${s.token}`;
  s.probeNames.set(link.key, name);
  return name;
}

const noOwner = (name: string): TransportError =>
  new TransportError(
    ErrorCode.PublishFailed,
    `redis transport: no cluster master serves the slot of "${name}" (${keySlot(name)})`,
    { transport: 'redis', hint: 'check CLUSTER INFO: every slot must be covered' },
  );

/** Runs `op` on the owner of `name`; after a MOVED reply, refreshes the slots and retries once. */
async function routed(
  s: ClusterState,
  name: string,
  op: (link: Link) => Promise<unknown>,
): Promise<void> {
  const link = linkFor(s, name);
  if (!link) throw noOwner(name);
  try {
    await op(link);
  } catch (error) {
    if (!isMoved(error)) throw error;
    await refresh(s);
    const owner = linkFor(s, name);
    if (!owner) throw noOwner(name);
    await op(owner);
  }
}
