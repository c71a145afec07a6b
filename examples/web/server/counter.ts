/**
 * The shared counter, as a grow-only counter (a G-Counter CRDT): each instance counts only its
 * own clicks, every `counter.changed` event carries the whole vector, and a receiver keeps the
 * largest count it has seen per instance. The total is the sum. Clicks on two instances at the
 * same moment are both counted, and an instance that starts late catches up with the next event,
 * whatever order the events arrive in; no instance is the leader.
 */
import type { Client, CounterChanged } from '../generated/client.js';

/** Clicks per instance, sorted by instance. */
export type Counts = CounterChanged['counts'];

/** One instance's view of the counter. */
export interface SharedCounter {
  /** Counts one click of this instance and publishes the vector to every instance. */
  increment(): Promise<Counts>;
  /** The current vector. */
  counts(): Counts;
  /** Stops listening. */
  close(): Promise<void>;
}

/** Sum of a vector. */
export const total = (counts: Counts): number =>
  counts.reduce((sum, { clicks }) => sum + clicks, 0);

/** Merges `incoming` into `into`: the largest count per instance wins. */
export function mergeCounts(into: Map<string, number>, incoming: Counts): void {
  for (const { node, clicks } of incoming) {
    if (clicks > (into.get(node) ?? 0)) into.set(node, clicks);
  }
}

/** The counter of instance `nodeId`, kept in step through the bus. */
export async function sharedCounter(client: Client, nodeId: string): Promise<SharedCounter> {
  const state = new Map<string, number>();
  const subscription = await client.counter.changed.subscribe({}, (payload) => {
    mergeCounts(state, payload.counts);
  });
  const snapshot = (): Counts =>
    [...state]
      .map(([node, clicks]) => ({ node, clicks }))
      .sort((a, b) => (a.node < b.node ? -1 : 1));
  return {
    async increment() {
      state.set(nodeId, (state.get(nodeId) ?? 0) + 1);
      const counts = snapshot();
      await client.counter.changed.publish({}, { counts, by: nodeId });
      return counts;
    },
    counts: snapshot,
    close: () => subscription.unsubscribe(),
  };
}
