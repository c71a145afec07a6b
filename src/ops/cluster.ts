/**
 * The cluster view of `health:cluster`, built from presence: every node running a broadcaster
 * tracks itself on `health:cluster` (key: its node id, meta: ClusterPresence), so presence's
 * failure detection (heartbeats, `downAfterMs`) says who is up. A node whose presence leaves
 * without its meta saying `stopping` — killed, crashed, frozen or cut off — is **lost**, by name,
 * until it comes back or `lostRetentionMs` passes; a node that stops gracefully marks its meta
 * `stopping` first and simply leaves.
 */
import type { ClusterHealthV2, ClusterMember, ClusterPresence } from '../catalog/index.js';
import type { PresenceEvent, PresenceListing } from '../presence/types.js';

/** How long a lost node stays listed as lost, in ms (an hour). */
export const LOST_RETENTION_MS = 3_600_000;
/** Most lost nodes listed (the schema's bound). */
const MAX_LOST = 1024;

type Listing = PresenceListing<ClusterPresence>;

/** The cluster as one node sees it. */
export class ClusterView {
  #members = new Map<string, ClusterPresence>();
  /** Lost nodes and when they were lost, oldest first. */
  #lost = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Applies a presence event; returns the nodes that joined and were lost by it. */
  apply(event: PresenceEvent<ClusterPresence>): { joined: string[]; lost: string[] } {
    if (event.event === 'presence_state') {
      const before = new Set(this.#members.keys());
      this.#members = latest(event.payload);
      const joined = [...this.#members.keys()].filter((node) => !before.has(node));
      for (const node of joined) this.#lost.delete(node);
      return { joined, lost: [] };
    }
    const { joins, leaves } = event.payload;
    const joined: string[] = [];
    const lost: string[] = [];
    for (const [node, meta] of latest(joins)) {
      if (!this.#members.has(node)) joined.push(node);
      this.#members.set(node, meta);
      this.#lost.delete(node);
    }
    for (const [node, entry] of Object.entries(leaves)) {
      // An update is a leave of the old meta and a join of the new one: the node is still here.
      if (joins[node] !== undefined) continue;
      const left = entry.metas[entry.metas.length - 1]?.meta;
      this.#members.delete(node);
      if (left?.stopping === true) continue;
      this.#lost.delete(node);
      this.#lost.set(node, this.now());
      lost.push(node);
    }
    this.#trim();
    return { joined, lost };
  }

  /** Nodes up now, by name. */
  up(): string[] {
    return [...this.#members.keys()].sort();
  }

  /** Nodes lost, by name, oldest loss first. */
  lost(): string[] {
    this.#trim();
    return [...this.#lost.keys()];
  }

  /** The `health:cluster` report of this view. */
  report(reporter: string): ClusterHealthV2 {
    this.#trim();
    const now = this.now();
    const at = new Date(now).toISOString();
    const nodes: ClusterMember[] = [];
    const counts = { healthy: 0, degraded: 0, unhealthy: 0 };
    for (const [node, meta] of [...this.#members].sort(([a], [b]) => (a < b ? -1 : 1))) {
      counts[meta.status]++;
      nodes.push({ node, status: meta.status, lastSeen: at });
    }
    for (const [node, when] of this.#lost) {
      counts.unhealthy++;
      nodes.push({ node, status: 'unhealthy', lastSeen: new Date(when).toISOString() });
    }
    const total = nodes.length;
    const status =
      total === 0 || counts.healthy === 0
        ? 'unhealthy'
        : counts.healthy === total
          ? 'healthy'
          : 'degraded';
    return {
      reporter,
      timestamp: at,
      status,
      totalNodes: total,
      healthyNodes: counts.healthy,
      degradedNodes: counts.degraded,
      unhealthyNodes: counts.unhealthy,
      nodes: nodes.slice(0, MAX_LOST),
      lost: [...this.#lost.keys()],
    };
  }

  #trim(): void {
    const horizon = this.now() - LOST_RETENTION_MS;
    for (const [node, when] of this.#lost) {
      if (when >= horizon && this.#lost.size <= MAX_LOST) break;
      this.#lost.delete(node);
    }
  }
}

/** The newest meta of each key of a listing (one per node: a broadcaster tracks one owner). */
function latest(listing: Listing): Map<string, ClusterPresence> {
  const out = new Map<string, ClusterPresence>();
  for (const [node, entry] of Object.entries(listing)) {
    const meta = entry.metas[entry.metas.length - 1]?.meta;
    if (meta !== undefined) out.set(node, meta);
  }
  return out;
}
