/**
 * The in-process transport: several buses in one process, connected through a hub.
 *
 * It behaves like a network: messages are delivered asynchronously, in publish order, only to
 * other connected transports subscribed to the channel, and everything that crosses it is signed
 * and verified by the receiving bus. The default hub is shared by the whole process, so two buses
 * created with the default transport talk to each other; pass your own hub to isolate them.
 */
import { ErrorCode, TransportError } from '../errors.js';
import type { BuiltinTransport } from './builtin.js';
import {
  ConnectionState,
  type Transport,
  type TransportSink,
  type TransportStatus,
} from './transport.js';

/** An in-process network of local transports. */
export interface LocalHub {
  /** Creates a transport attached to this hub. */
  transport(): Transport;
  /** Transports currently connected. */
  readonly size: number;
}

interface Member {
  sink: TransportSink;
  channels: Set<string>;
}

/** Creates an isolated in-process hub. */
export function createLocalHub(): LocalHub {
  const hub = hubState();
  return {
    get size() {
      return hub.members.size;
    },
    transport: () => memberTransport(hub),
  };
}

/** The members of one hub, who listens on which channel, and its one delivery queue. */
interface HubState {
  readonly members: Set<Member>;
  readonly byChannel: Map<string, Set<Member>>;
  /** Queues `data` for every other member on `channel`; delivered on the next flush. */
  send(from: Member, channel: string, data: string): void;
  join(member: Member, channel: string): void;
  leave(member: Member, channel: string): void;
}

function hubState(): HubState {
  const members = new Set<Member>();
  const byChannel = new Map<string, Set<Member>>();
  // One delivery queue for the hub keeps publish order across channels and senders.
  const pending: { member: Member; channel: string; data: string }[] = [];
  let flushing = false;
  const flush = (): void => {
    flushing = false;
    // Deliver only what was queued before this flush; later publishes get the next one.
    const batch = pending.splice(0, pending.length);
    for (const { member, channel, data } of batch) {
      if (members.has(member) && member.channels.has(channel)) member.sink.message(channel, data);
    }
  };
  return {
    members,
    byChannel,
    send(from, channel, data) {
      const targets = byChannel.get(channel);
      if (!targets) return;
      for (const target of targets) {
        if (target !== from) pending.push({ member: target, channel, data });
      }
      if (!flushing && pending.length > 0) {
        flushing = true;
        setImmediate(flush);
      }
    },
    join(member, channel) {
      member.channels.add(channel);
      let set = byChannel.get(channel);
      if (!set) byChannel.set(channel, (set = new Set()));
      set.add(member);
    },
    leave(member, channel) {
      const set = byChannel.get(channel);
      set?.delete(member);
      if (set?.size === 0) byChannel.delete(channel);
    },
  };
}

/** One bus's transport on a hub. */
function memberTransport(hub: HubState): Transport {
  let member: Member | undefined;
  let state: ConnectionState = ConnectionState.Idle;
  let since = Date.now();
  const setState = (next: ConnectionState): void => {
    state = next;
    since = Date.now();
  };
  const notConnected = (what: string): TransportError =>
    new TransportError(ErrorCode.PublishFailed, `local transport: ${what} while ${state}`, {
      transport: 'local',
      hint: 'call bus.start() first, and do not use a bus after bus.stop()',
    });
  return {
    name: 'local',
    async connect(sink) {
      member = { sink, channels: new Set() };
      hub.members.add(member);
      setState(ConnectionState.Connected);
      sink.event({ type: 'connected' });
    },
    async publish(channel, data) {
      if (!member || state !== ConnectionState.Connected) throw notConnected('publish');
      hub.send(member, channel, data);
    },
    async subscribe(channel) {
      if (!member) throw notConnected('subscribe');
      hub.join(member, channel);
    },
    async unsubscribe(channel) {
      if (!member) return;
      member.channels.delete(channel);
      hub.leave(member, channel);
    },
    async close() {
      if (member) {
        for (const channel of member.channels) hub.leave(member, channel);
        hub.members.delete(member);
        member.channels.clear();
      }
      setState(ConnectionState.Closed);
    },
    status(): TransportStatus {
      return {
        name: 'local',
        state,
        since,
        channels: member?.channels.size ?? 0,
        detail: { peers: hub.members.size },
      };
    },
    hasRemoteInterest(channel) {
      const set = hub.byChannel.get(channel);
      if (!set) return false;
      return set.size > (member && set.has(member) ? 1 : 0);
    },
  };
}

/** The process-wide hub used when no hub is given. */
export const defaultHub: LocalHub = createLocalHub();

/** Options of the in-process transport. */
export interface LocalTransportOptions {
  /**
   * The hub to join.
   * @default the process-wide hub
   */
  readonly hub?: LocalHub;
}

/** Creates an in-process transport. */
export function localTransport(options: LocalTransportOptions = {}): Transport {
  return (options.hub ?? defaultHub).transport();
}

/** The local transport's table entry: no server, so a lone `'local'` runs without the chain. */
export const localBuiltin = {
  name: 'local',
  optionsKey: 'local',
  create: async (options) => localTransport(options),
  alone: (options) => localTransport(options),
  channels: {},
} satisfies BuiltinTransport<'local', 'local', LocalTransportOptions>;
