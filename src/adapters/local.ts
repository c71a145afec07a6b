/**
 * The in-process transport: several buses in one process, connected through a hub.
 *
 * It behaves like a network: messages are delivered asynchronously, in publish order, only to
 * other connected transports subscribed to the channel, and everything that crosses it is signed
 * and verified by the receiving bus. Templates are native here: a publish carries its topic's
 * template, and a member subscribed to it (and not to the channel) gets the message through it.
 * The default hub is shared by the whole process, so two buses created with the default transport
 * talk to each other; pass your own hub to isolate them.
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
  templates: Set<string>;
}

/** One delivery: through `template` when the member holds the template, not the channel. */
interface Pending {
  readonly member: Member;
  readonly channel: string;
  readonly data: string;
  readonly template: string | undefined;
}

/** Adds `member` to the set of `key` in `index`. */
function join(index: Map<string, Set<Member>>, key: string, member: Member): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(member);
}

/** Removes `member` from the set of `key` in `index`. */
function leave(index: Map<string, Set<Member>>, key: string, member: Member): void {
  const set = index.get(key);
  set?.delete(member);
  if (set?.size === 0) index.delete(key);
}

/** Whether `set` holds a member other than `self`. */
const others = (set: Set<Member> | undefined, self: Member | undefined): boolean =>
  set !== undefined && set.size > (self && set.has(self) ? 1 : 0);

/** The state of one hub: its members, who listens where, and the deliveries not yet made. */
interface Hub {
  readonly members: Set<Member>;
  readonly byChannel: Map<string, Set<Member>>;
  readonly byTemplate: Map<string, Set<Member>>;
  /** One delivery queue for the hub keeps publish order across channels and senders. */
  pending: Pending[];
  flushing: boolean;
}

/** Creates an isolated in-process hub. */
export function createLocalHub(): LocalHub {
  const hub: Hub = {
    members: new Set(),
    byChannel: new Map(),
    byTemplate: new Map(),
    pending: [],
    flushing: false,
  };
  return {
    get size() {
      return hub.members.size;
    },
    transport: () => memberTransport(hub),
  };
}

/** Delivers what was queued before this flush; later publishes wait for the next one. */
function flush(hub: Hub): void {
  hub.flushing = false;
  const batch = hub.pending;
  hub.pending = [];
  for (let i = 0; i < batch.length; i++) {
    const { member, channel, data, template } = batch[i]!;
    if (!hub.members.has(member)) continue;
    if (template === undefined) {
      if (member.channels.has(channel)) member.sink.message(channel, data);
    } else if (member.templates.has(template)) member.sink.message(channel, data, template);
  }
}

/** Queues `data` for every other member listening on `channel` or on its `template`. */
function deliver(
  hub: Hub,
  from: Member,
  channel: string,
  data: string,
  template: string | undefined,
): void {
  const targets = hub.byChannel.get(channel);
  if (targets !== undefined) {
    for (const target of targets) {
      if (target !== from) hub.pending.push({ member: target, channel, data, template: undefined });
    }
  }
  // A member with both gets the message once, through the channel (as on Redis, the bus would
  // drop the template's copy).
  const viaTemplate = template === undefined ? undefined : hub.byTemplate.get(template);
  if (viaTemplate !== undefined) {
    for (const target of viaTemplate) {
      if (target !== from && !targets?.has(target))
        hub.pending.push({ member: target, channel, data, template });
    }
  }
  if (!hub.flushing && hub.pending.length > 0) {
    hub.flushing = true;
    setImmediate(flush, hub);
  }
}

/** What a publish the hub took resolves to: one settled promise, not one per message. */
const TAKEN: Promise<void> = Promise.resolve();

/** A member's connection: its state and when it last changed. */
interface Link {
  member: Member | undefined;
  state: ConnectionState;
  since: number;
}

const setState = (link: Link, next: ConnectionState): void => {
  link.state = next;
  link.since = Date.now();
};

const notConnected = (link: Link, what: string): TransportError =>
  new TransportError(ErrorCode.PublishFailed, `local transport: ${what} while ${link.state}`, {
    transport: 'local',
    hint: 'call bus.start() first, and do not use a bus after bus.stop()',
  });

/** Leaves the hub: out of every channel and template, no longer a member. */
function disconnect(hub: Hub, member: Member): void {
  for (const channel of member.channels) leave(hub.byChannel, channel, member);
  for (const template of member.templates) leave(hub.byTemplate, template, member);
  hub.members.delete(member);
  member.channels.clear();
  member.templates.clear();
}

/** The transport of one member of `hub`. */
function memberTransport(hub: Hub): Transport {
  const link: Link = { member: undefined, state: ConnectionState.Idle, since: Date.now() };
  // Subscribing needs a connection; unsubscribing without one has nothing to undo.
  const listen = (index: Map<string, Set<Member>>, own: 'channels' | 'templates', key: string) => {
    const { member } = link;
    if (!member) throw notConnected(link, 'subscribe');
    member[own].add(key);
    join(index, key, member);
  };
  const unlisten = (
    index: Map<string, Set<Member>>,
    own: 'channels' | 'templates',
    key: string,
  ) => {
    const { member } = link;
    if (!member) return;
    member[own].delete(key);
    leave(index, key, member);
  };
  return {
    name: 'local',
    batched: true,
    async connect(sink) {
      link.member = { sink, channels: new Set(), templates: new Set() };
      hub.members.add(link.member);
      setState(link, ConnectionState.Connected);
      sink.event({ type: 'connected' });
    },
    publish(channel, data, template) {
      const { member } = link;
      if (!member || link.state !== ConnectionState.Connected)
        return Promise.reject(notConnected(link, 'publish'));
      deliver(hub, member, channel, data, template);
      return TAKEN;
    },
    subscribe: async (channel) => listen(hub.byChannel, 'channels', channel),
    unsubscribe: async (channel) => unlisten(hub.byChannel, 'channels', channel),
    subscribeTemplate: async (template) => listen(hub.byTemplate, 'templates', template),
    unsubscribeTemplate: async (template) => unlisten(hub.byTemplate, 'templates', template),
    async close() {
      if (link.member) disconnect(hub, link.member);
      setState(link, ConnectionState.Closed);
    },
    status: (): TransportStatus => ({
      name: 'local',
      state: link.state,
      since: link.since,
      channels: (link.member?.channels.size ?? 0) + (link.member?.templates.size ?? 0),
      detail: { peers: hub.members.size },
    }),
    hasRemoteInterest(channel, template) {
      const { member } = link;
      if (others(hub.byChannel.get(channel), member)) return true;
      return template !== undefined && others(hub.byTemplate.get(template), member);
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
