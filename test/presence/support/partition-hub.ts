/**
 * An in-process hub whose links can be cut: the network of the model-based presence test.
 *
 * It delivers like `createLocalHub()` (asynchronously, in publish order, only to other
 * subscribers of a channel), except that a message is dropped when, at the moment of delivery,
 * its sender and receiver are in different partition groups, or either of them is isolated.
 * Transports are named after their node; a restarted node gets a new, unisolated transport.
 * With `jitterMs`, each message is delayed by its own random time, so messages — even from one
 * sender — arrive out of order, as they can through a connection pool (PostgreSQL NOTIFY).
 */
import { ConnectionState, type Transport, type TransportSink } from '../../../src/index.js';

interface Member {
  readonly name: string;
  readonly sink: TransportSink;
  readonly channels: Set<string>;
  isolated: boolean;
}

/** A hub with partitions. */
export interface PartitionHub {
  /** A transport for node `name`. */
  transport(name: string): Transport;
  /** Splits the nodes into groups that cannot reach each other (unlisted nodes: a group each). */
  partition(groups: readonly (readonly string[])[]): void;
  /** Reconnects every group. */
  heal(): void;
  /** Cuts every link of the current transport of `name` (a crash: nothing it sends arrives). */
  isolate(name: string): void;
  /** Messages dropped by partitions and isolation. */
  readonly dropped: number;
}

/** Options of {@link createPartitionHub}. */
export interface PartitionHubOptions {
  /** Longest random delay of a message, in ms (0: in order). @default 0 */
  readonly jitterMs?: number;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** A small seeded PRNG (mulberry32), so a failing run replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates a partitionable hub. */
export function createPartitionHub(options: PartitionHubOptions = {}): PartitionHub {
  const jitterMs = options.jitterMs ?? 0;
  const random = options.random ?? Math.random;
  const members = new Set<Member>();
  const pending: { from: Member; to: Member; channel: string; data: string }[] = [];
  let groupOf = new Map<string, number>();
  let flushing = false;
  let dropped = 0;

  // Without a partition every node is in group -1; a node left out of a partition is alone.
  const group = (m: Member): number | string =>
    groupOf.size === 0 ? -1 : (groupOf.get(m.name) ?? m.name);
  const reachable = (a: Member, b: Member): boolean =>
    !a.isolated && !b.isolated && group(a) === group(b);

  const deliver = (item: (typeof pending)[number]): void => {
    const { from, to, channel, data } = item;
    if (!members.has(to) || !to.channels.has(channel)) return;
    if (!reachable(from, to)) {
      dropped++;
      return;
    }
    to.sink.message(channel, data);
  };
  const flush = (): void => {
    flushing = false;
    for (const item of pending.splice(0, pending.length)) deliver(item);
  };

  return {
    get dropped() {
      return dropped;
    },
    partition(groups) {
      groupOf = new Map();
      groups.forEach((group, index) => {
        for (const name of group) groupOf.set(name, index);
      });
    },
    heal() {
      groupOf = new Map();
    },
    isolate(name) {
      for (const member of members) if (member.name === name) member.isolated = true;
    },
    transport(name): Transport {
      let member: Member | undefined;
      let state: ConnectionState = ConnectionState.Idle;
      return {
        name: 'partition',
        async connect(sink) {
          member = { name, sink, channels: new Set(), isolated: false };
          members.add(member);
          state = ConnectionState.Connected;
          sink.event({ type: 'connected' });
        },
        async publish(channel, data) {
          if (!member || state !== ConnectionState.Connected) throw new Error('not connected');
          for (const target of members) {
            if (target !== member && target.channels.has(channel)) {
              const item = { from: member, to: target, channel, data };
              if (jitterMs > 0) setTimeout(() => deliver(item), Math.floor(random() * jitterMs));
              else pending.push(item);
            }
          }
          if (!flushing && pending.length > 0) {
            flushing = true;
            setImmediate(flush);
          }
        },
        async subscribe(channel) {
          member?.channels.add(channel);
        },
        async unsubscribe(channel) {
          member?.channels.delete(channel);
        },
        async close() {
          if (member) members.delete(member);
          state = ConnectionState.Closed;
        },
        status() {
          return {
            name: 'partition',
            state,
            since: 0,
            channels: member?.channels.size ?? 0,
          };
        },
      };
    },
  };
}
