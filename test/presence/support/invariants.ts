/**
 * Invariants the model-based presence test checks while a scenario runs, not only at the end
 * (a self-healing protocol can hide a transient error by the time it converges):
 *
 * 1. Versions only move forward: what a node (epoch) knows of a peer's epoch never goes back
 *    to an older version — an older state never overwrites a newer one (phoenix_pubsub #184).
 * 2. A replica is exact: when a node holds version v of a peer's epoch and the peer is up, it
 *    lists exactly what that peer tracked at version v.
 */
import type { Bus } from '../../../src/index.js';
import type { PresenceTopics } from '../registry.js';

type AnyBus = Bus<PresenceTopics>;

/** What the checks remember between two looks. */
export interface InvariantState {
  /** `node@epoch>peer@epoch` → highest version seen. */
  readonly versions: Map<string, number>;
  /** `node@epoch#version` → what that node tracked at that version (sorted lines). */
  readonly snapshots: Map<string, string[]>;
  /** Failures seen so far. */
  readonly violations: string[];
}

/** A fresh state. */
export const invariantState = (): InvariantState => ({
  versions: new Map(),
  snapshots: new Map(),
  violations: [],
});

/** One listed meta as `node|owner|key|meta`, the form every check compares. */
export const line = (node: string, owner: string, key: string, meta: unknown): string =>
  `${node}|${owner}|${key}|${JSON.stringify(meta)}`;

/** Lines of a listing, optionally only the presences of one node epoch. */
export function lines(
  listing: Awaited<ReturnType<AnyBus['presence']['list']>>,
  of?: { node: string; epoch: string },
): string[] {
  const out: string[] = [];
  for (const [key, entry] of Object.entries(listing)) {
    for (const m of entry.metas) {
      if (of && (m.node !== of.node || !m.ref.startsWith(`${of.node}.${of.epoch}.`))) continue;
      out.push(line(m.node, m.owner, key, m.meta));
    }
  }
  return out.sort();
}

/** Records what `bus` tracks at its current version (call after each of its own changes). */
export function snapshot(state: InvariantState, bus: AnyBus, topic: string): void {
  const { epoch, version } = bus.presence.stats();
  void bus.presence.list(topic as never).then((listing) => {
    state.snapshots.set(
      `${bus.nodeId}@${epoch}#${version}`,
      lines(listing, { node: bus.nodeId, epoch }),
    );
  });
}

/** Checks both invariants on every bus; failures are recorded in `state.violations`. */
export function check(
  state: InvariantState,
  buses: readonly (AnyBus | undefined)[],
  topic: string,
): void {
  for (const bus of buses) {
    if (!bus) continue;
    const stats = bus.presence.stats();
    const observer = `${bus.nodeId}@${stats.epoch}>`;
    const present = new Set<string>();
    // The listing is computed synchronously, at the same instant as the stats.
    const listing = bus.presence.list(topic as never);
    for (const peer of stats.peers) {
      const id = `${observer}${peer.node}@${peer.epoch}`;
      present.add(id);
      const before = state.versions.get(id) ?? 0;
      if (peer.version < before) {
        state.violations.push(`${id} went back from version ${before} to ${peer.version}`);
      }
      state.versions.set(id, Math.max(before, peer.version));
      const expected = state.snapshots.get(`${peer.node}@${peer.epoch}#${peer.version}`);
      if (!peer.up || expected === undefined) continue;
      void listing.then((l) => {
        const seen = lines(l, { node: peer.node, epoch: peer.epoch });
        if (JSON.stringify(seen) !== JSON.stringify(expected)) {
          state.violations.push(
            `${id} at version ${peer.version} lists ${JSON.stringify(seen)}, but the peer tracked ${JSON.stringify(expected)}`,
          );
        }
      });
    }
    // A peer forgotten after its permanent-down period starts again from nothing.
    for (const id of state.versions.keys()) {
      if (id.startsWith(observer) && !present.has(id)) state.versions.delete(id);
    }
  }
}
