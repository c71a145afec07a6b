/**
 * Two running processes with one node id (docs/wire-format.md §7): each refuses the other's
 * messages as `duplicate_node`, so a copied `nodeId` would otherwise lose messages with only a
 * counter to show for it. This watch makes it loud on both sides, once per other instance: a
 * `duplicate_node` bus event (which, with no listener, the bus's stderr report writes: one
 * mechanism for every unheard event, src/telemetry/report.ts), and a signed
 * notice on the node's own channel, so the other process hears it even when it subscribes to
 * nothing this one publishes.
 *
 * Invariant: at most one event and one notice per other epoch while it is remembered (the last
 * {@link REMEMBERED} epochs), so two duplicates answer each other at most once each.
 */
import type { SystemFeature } from './system.js';

/** How many other epochs are remembered; a flood of fresh ones only repeats events, bounded. */
export const REMEMBERED = 64;

/** Internal topic of the notice a bus sends to its own `$node:<id>` channel. */
export const DUPLICATE_NOTICE_TOPIC = '$node';

/** What a bus reports when another process runs under its node id. */
export interface DuplicateNode {
  /** The shared node id. */
  readonly node: string;
  /** The other process's bus instance (`epoch`). */
  readonly epoch: string;
  /** Where its message arrived. */
  readonly channel: string;
  /** What to do about it. */
  readonly hint: string;
}

/** The bus's side of the watch. */
export interface DuplicateWatchPort {
  readonly nodeId: string;
  emit(value: DuplicateNode): void;
  /** Sends the notice to the other instance (best effort, never throws). */
  notify(otherEpoch: string): void;
}

/** Remembers other instances under this node id and reports each one once. */
export interface DuplicateWatch {
  /** A verified message of this node id from another epoch arrived on `channel`. */
  seen(otherEpoch: string, channel: string): void;
}

/** Creates the watch of one bus. */
export function createDuplicateWatch(port: DuplicateWatchPort): DuplicateWatch {
  const known = new Set<string>();
  return {
    seen(otherEpoch, channel) {
      if (known.has(otherEpoch)) return;
      if (known.size >= REMEMBERED) known.clear();
      known.add(otherEpoch);
      const hint = `another running process uses nodeId "${port.nodeId}" (its epoch ${otherEpoch}); each refuses the other's messages as duplicate_node: give every process its own nodeId`;
      port.emit({ node: port.nodeId, epoch: otherEpoch, channel, hint });
      port.notify(otherEpoch);
    },
  };
}

/**
 * The watch as a system feature: its notice is a system message on the node's own channel,
 * sent through the same port as presence (system.ts). It listens to nothing: the notice arrives
 * on the `$node:<id>` channel every bus subscribes to, and the receive road refuses it as
 * `duplicate_node` there, which is what tells the other side.
 */
export function duplicateNotice(
  emit: (value: DuplicateNode) => void,
): SystemFeature<DuplicateWatch> {
  return {
    channel: {
      topic: DUPLICATE_NOTICE_TOPIC,
      label: 'duplicate-node notice',
      tooLargeHint: 'the notice is a few bytes: check limits.maxBytes',
    },
    create: (port) => ({
      client: { listens: false },
      api: createDuplicateWatch({
        nodeId: port.nodeId,
        emit,
        // Best effort: a scoped or verify-only key cannot sign it, and that side still learns
        // from any message of ours it receives.
        notify: (other) => {
          port.send('duplicate_node', { seen: other }, port.nodeId).catch(() => undefined);
        },
      }),
    }),
  };
}
