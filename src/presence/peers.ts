/**
 * This node's replicas of its peers' presences, and their liveness: which replica a message
 * applies to (a newer epoch purges the old one first, a graceful `leave` forgets the node and
 * ignores its late messages), and the sweep each heartbeat that marks silent peers down and
 * forgets long-dead ones. The protocol around it is in tracker.ts.
 */
import { type EntryCheck, Replica } from './replica.js';
import type { PresencePeer } from './types.js';
import type { PresenceView } from './view.js';
import type { Inbound } from './wire.js';

/** What a message from a peer applies to: its replica, or nothing (stale, or a leave). */
export type PeerTarget = Replica | 'stale' | 'left';

/** The replicas of this node's peers. */
export class PeerReplicas {
  readonly #replicas = new Map<string, Replica>();
  /** Epochs that left gracefully, by node: their late messages are ignored. */
  readonly #gone = new Map<string, string>();
  /** Peers marked down, and back up, since start. */
  downs = 0;
  ups = 0;

  constructor(
    private readonly now: () => number,
    private readonly view: PresenceView,
    private readonly check: EntryCheck,
    private readonly maxPresences: number,
  ) {}

  /** The replica a message applies to, handling new epochs and graceful leaves. */
  target(node: string, message: Inbound): PeerTarget {
    const epoch = message.body.e;
    const gone = this.#gone.get(node);
    let replica = this.#replicas.get(node);
    if ((gone !== undefined && epoch <= gone) || (replica && epoch < replica.epoch && replica.up)) {
      return 'stale';
    }
    if (replica && replica.epoch !== epoch) {
      // The node restarted: everything its old epoch tracked is gone (no ghosts).
      this.#forget(replica);
      replica = undefined;
    }
    if (message.kind === 'leave') {
      if (replica) this.#forget(replica);
      this.#gone.set(node, epoch);
      return 'left';
    }
    if (!replica) {
      replica = new Replica(node, epoch, this.now(), this.view, this.check, this.maxPresences);
      this.#replicas.set(node, replica);
    }
    replica.lastSeen = this.now();
    if (!replica.up) {
      replica.restore();
      this.ups++;
    }
    return replica;
  }

  /**
   * Marks peers silent for `downAfterMs` down and forgets those silent for `permdownAfterMs`;
   * when this node was `late` (frozen, not them), gives every peer a fresh grace period instead.
   */
  sweep(late: boolean, downAfterMs: number, permdownAfterMs: number): void {
    const now = this.now();
    for (const replica of [...this.#replicas.values()]) {
      if (late) {
        replica.lastSeen = now;
        continue;
      }
      const silent = now - replica.lastSeen;
      if (replica.up && silent > downAfterMs) {
        replica.down();
        this.downs++;
      } else if (!replica.up && silent > permdownAfterMs) {
        this.#forget(replica);
      }
    }
  }

  /** Forgets every replica (this node stops). */
  clear(): void {
    for (const replica of this.#replicas.values()) replica.purge();
    this.#replicas.clear();
  }

  /** One line per peer, for `stats()`. */
  list(): PresencePeer[] {
    const now = this.now();
    return [...this.#replicas.values()].map((r) => ({
      node: r.node,
      epoch: r.epoch,
      version: r.version,
      up: r.up,
      presences: r.size,
      silentMs: now - r.lastSeen,
    }));
  }

  #forget(replica: Replica): void {
    replica.purge();
    this.#replicas.delete(replica.node);
  }
}
