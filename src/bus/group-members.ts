/**
 * Consumer-group membership: a member that dies is a signalled gap, not a silent loss.
 *
 * A transport's queue group (NATS core) hands each message to one member; what it had handed to
 * a member that dies is lost with it. So every node holding group members says so on the system
 * channel `$groups` (system.ts), signed like any message: a `beat` every `heartbeatMs` listing
 * its memberships (group, topic) and, for each, `from`, the earliest publish time of a message it
 * may hold unhandled. A node that hears no beat listing a member of a group it is itself a member
 * of for `timeoutMs` declares that member lost and signals a gap to its own subscriptions of that
 * group and topic (`onGap`, and the bus's `gap` event), with `group`, `topic`, the lost `node`,
 * and the window from the member's `from` to the detection. A graceful leave (the node's last
 * member unsubscribing, which drains) says `leave` and signals nothing.
 *
 * `from` (docs/bus.md#consumer-groups): when the member joins, the time just before its server
 * subscription; at each beat where none of its group subscriptions holds a message (queued or
 * running), it moves up to the previous beat's time: a message it received after that had been
 * published after the previous beat, unless the member read its socket more than one heartbeat
 * late. Every message handed to the member and never handled therefore has a publish time
 * inside [from, detection] (same clocks across nodes, within the freshness window's skew).
 */
import { ConfigError } from '../errors.js';
import { ID_PATTERN } from '../rules.js';
import type { BusContext } from './context.js';
import { handlerError } from './context.js';
import type { SystemFeature, SystemPort } from './system.js';
import type { SubState } from './table.js';
import type { Gap } from './types.js';

/** The system channel of group membership. */
export const GROUPS_CHANNEL = '$groups';
/** Tracked members at most (an untrusted sender cannot grow the table past it). */
const MAX_TRACKED = 10_000;
/** Memberships one beat may list. */
const MAX_LISTED = 1_000;

/** Heartbeat settings (`createBus({ groupHeartbeat })`). */
export interface GroupHeartbeatOptions {
  /** Interval of a member node's beats. @default 1000 */
  readonly heartbeatMs?: number;
  /** A member unheard for this long is lost: a gap for the survivors. @default 3000 */
  readonly timeoutMs?: number;
}

/** What the bus tells membership about its own members. */
export interface GroupMembers {
  /** This node's first member of `group` on `topic` is about to subscribe on the server. */
  joining(topic: string, group: string): Promise<void>;
  /** This node's last member of `group` on `topic` left gracefully (drained). */
  left(topic: string, group: string): void;
}

interface Own {
  from: number;
  lastBeat: number;
}

interface Peer {
  readonly node: string;
  readonly group: string;
  readonly topic: string;
  from: number;
  seenAt: number;
}

const key = (...parts: string[]): string => parts.join('\u0000');

/** Checked heartbeat settings; a ConfigError names the bad one. */
export function heartbeatSettings(options: GroupHeartbeatOptions | undefined): {
  heartbeatMs: number;
  timeoutMs: number;
} {
  const heartbeatMs = options?.heartbeatMs ?? 1000;
  const timeoutMs = options?.timeoutMs ?? 3000;
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 1 || !Number.isInteger(timeoutMs)) {
    throw new ConfigError('groupHeartbeat: heartbeatMs and timeoutMs must be integers >= 1', {
      hint: 'leave groupHeartbeat out, or pass e.g. { heartbeatMs: 1000, timeoutMs: 3000 }',
    });
  }
  if (timeoutMs <= heartbeatMs) {
    throw new ConfigError(
      `groupHeartbeat: timeoutMs (${timeoutMs}) must exceed heartbeatMs (${heartbeatMs})`,
      { hint: 'a member is lost after missing several beats: e.g. timeoutMs = 3 × heartbeatMs' },
    );
  }
  return { heartbeatMs, timeoutMs };
}

/** The membership feature of a bus whose transport serves consumer groups. */
export function groupMembership(
  ctx: BusContext,
  options: GroupHeartbeatOptions | undefined,
): SystemFeature<GroupMembers> {
  const settings = heartbeatSettings(options);
  return {
    channel: {
      topic: GROUPS_CHANNEL,
      label: 'group membership',
      tooLargeHint: 'a node lists at most 1000 group memberships per beat',
    },
    create: (port) => createMembership(ctx, port, settings),
  };
}

function createMembership(
  ctx: BusContext,
  port: SystemPort,
  settings: { heartbeatMs: number; timeoutMs: number },
): ReturnType<SystemFeature<GroupMembers>['create']> {
  const own = new Map<string, Own>();
  const peers = new Map<string, Peer>();
  let timer: NodeJS.Timeout | undefined;
  const send = (event: string, data: unknown): void => {
    port.send(event, data).catch(() => {}); // a lost beat is a late beat; the timeout covers it
  };
  const tick = (): void => {
    const now = port.now();
    const members = ownBeat(ctx, own, now);
    if (members.length > 0) send('beat', { epoch: ctx.epoch, at: now, members });
    detectLost(ctx, peers, now, settings.timeoutMs);
  };
  const client = {
    listens: true,
    started() {
      timer = setInterval(tick, settings.heartbeatMs);
      timer.unref();
      tick();
    },
    async stopping() {
      clearInterval(timer);
      timer = undefined;
    },
    receive(node: string, event: string, data: unknown) {
      const now = port.now();
      if (event === 'beat') heard(ctx, peers, node, data, now);
      else if (event === 'leave') leave(peers, node, data);
    },
    // Beats may have been lost with the connection: every peer gets a fresh timeout.
    gap() {
      const now = port.now();
      for (const peer of peers.values()) peer.seenAt = now;
    },
  };
  const api: GroupMembers = {
    async joining(topic, group) {
      const now = port.now();
      own.set(key(group, topic), { from: now, lastBeat: now });
      if (ctx.state !== 'started') return;
      // Refused while the connection is down: the next beat announces it (the join goes on, as
      // the server subscription may while reconnecting).
      await port
        .send('beat', { epoch: ctx.epoch, at: now, members: [[group, topic, now]] })
        .catch(() => {});
    },
    left(topic, group) {
      own.delete(key(group, topic));
      if (ctx.state === 'started') send('leave', { epoch: ctx.epoch, group, topic });
    },
  };
  return { client, api };
}

/** This node's memberships for a beat at `now`, moving each idle one's `from` up. */
function ownBeat(ctx: BusContext, own: Map<string, Own>, now: number): [string, string, number][] {
  const listed: [string, string, number][] = [];
  for (const [group, table] of ctx.groups) {
    for (const topic of table.topics()) {
      const k = key(group, topic);
      let mine = own.get(k);
      if (!mine) {
        mine = { from: now, lastBeat: now };
        own.set(k, mine);
      }
      const busy = table.get(topic)?.subs.some((s) => s.pending > 0 || s.queue.running > 0);
      if (!busy) mine.from = mine.lastBeat;
      mine.lastBeat = now;
      if (listed.length < MAX_LISTED) listed.push([group, topic, mine.from]);
    }
  }
  for (const k of own.keys()) {
    const [group, topic] = k.split('\u0000') as [string, string];
    if ((ctx.groups.get(group)?.count(topic) ?? 0) === 0) own.delete(k);
  }
  return listed;
}

/** A beat from `node`: refreshes each membership it lists that this node shares. */
function heard(
  ctx: BusContext,
  peers: Map<string, Peer>,
  node: string,
  data: unknown,
  now: number,
): void {
  const beat = data as { epoch?: unknown; at?: unknown; members?: unknown };
  if (typeof beat?.epoch !== 'string' || !Array.isArray(beat.members)) return;
  for (const item of beat.members.slice(0, MAX_LISTED)) {
    if (!Array.isArray(item) || item.length !== 3) continue;
    const [group, topic, from] = item as unknown[];
    if (typeof group !== 'string' || !ID_PATTERN.test(group) || typeof topic !== 'string') continue;
    if (typeof from !== 'number' || !Number.isFinite(from)) continue;
    if ((ctx.groups.get(group)?.count(topic) ?? 0) === 0) continue; // not a group of this node
    const k = key(node, beat.epoch, group, topic);
    const peer = peers.get(k);
    if (peer) {
      peer.from = from;
      peer.seenAt = now;
    } else if (peers.size < MAX_TRACKED) {
      peers.set(k, { node, group, topic, from, seenAt: now });
    }
  }
}

/** A graceful leave: forgotten without a gap. */
function leave(peers: Map<string, Peer>, node: string, data: unknown): void {
  const bye = data as { epoch?: unknown; group?: unknown; topic?: unknown };
  if (typeof bye?.epoch !== 'string' || typeof bye.group !== 'string') return;
  if (typeof bye.topic !== 'string') return;
  peers.delete(key(node, bye.epoch, bye.group, bye.topic));
}

/** Members unheard for `timeoutMs` are lost: a gap for this node's members of their group. */
function detectLost(ctx: BusContext, peers: Map<string, Peer>, now: number, timeoutMs: number) {
  for (const [k, peer] of peers) {
    if (now - peer.seenAt < timeoutMs) continue;
    peers.delete(k);
    const state = ctx.groups.get(peer.group)?.get(peer.topic);
    if (!state || state.subs.length === 0) continue;
    signalGroupGap(ctx, state.subs, {
      from: peer.from,
      to: now,
      transport: ctx.transport.name,
      reason: `member ${peer.node} of group "${peer.group}" on "${peer.topic}" lost: no heartbeat for ${now - peer.seenAt} ms`,
      group: peer.group,
      topic: peer.topic,
      node: peer.node,
    });
  }
}

/** Tells the bus's listeners and the group's subscriptions on this node. */
function signalGroupGap(ctx: BusContext, subs: readonly SubState[], gap: Gap): void {
  ctx.counters.gaps++;
  ctx.events.emit('gap', gap);
  for (const sub of subs) {
    if (!sub.onGap) continue;
    try {
      sub.onGap(gap);
    } catch (error) {
      handlerError(ctx, sub.topic, 'gap', sub.id, error);
    }
  }
}
