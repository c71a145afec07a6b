/**
 * The in-process transport: several buses in one process, connected through a hub.
 *
 * It behaves like a network: messages are delivered asynchronously, in publish order, only to
 * other connected transports subscribed to the channel, and everything that crosses it is signed
 * and verified by the receiving bus. Templates are native here: a publish carries its topic's
 * template, and a member subscribed to it (and not to the channel) gets the message through it. The default hub is shared by the whole process, so two buses
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

/** Creates an isolated in-process hub. */
export function createLocalHub(): LocalHub {
  const members = new Set<Member>();
  const byChannel = new Map<string, Set<Member>>();
  const byTemplate = new Map<string, Set<Member>>();
  // One delivery queue for the hub keeps publish order across channels and senders.
  const pending: Pending[] = [];
  let flushing = false;

  const flush = (): void => {
    flushing = false;
    // Deliver only what was queued before this flush; later publishes get the next one.
    const batch = pending.splice(0, pending.length);
    for (const { member, channel, data, template } of batch) {
      if (!members.has(member)) continue;
      if (template === undefined) {
        if (member.channels.has(channel)) member.sink.message(channel, data);
      } else if (member.templates.has(template)) member.sink.message(channel, data, template);
    }
  };

  return {
    get size() {
      return members.size;
    },
    transport(): Transport {
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
          member = { sink, channels: new Set(), templates: new Set() };
          members.add(member);
          setState(ConnectionState.Connected);
          sink.event({ type: 'connected' });
        },
        async publish(channel, data, template) {
          if (!member || state !== ConnectionState.Connected) throw notConnected('publish');
          const targets = byChannel.get(channel);
          for (const target of targets ?? []) {
            if (target !== member)
              pending.push({ member: target, channel, data, template: undefined });
          }
          // A member with both gets the message once, through the channel (as on Redis, the bus
          // would drop the template's copy).
          const viaTemplate = template === undefined ? undefined : byTemplate.get(template);
          for (const target of viaTemplate ?? []) {
            if (target !== member && !targets?.has(target)) {
              pending.push({ member: target, channel, data, template });
            }
          }
          if (!flushing && pending.length > 0) {
            flushing = true;
            setImmediate(flush);
          }
        },
        async subscribe(channel) {
          if (!member) throw notConnected('subscribe');
          member.channels.add(channel);
          join(byChannel, channel, member);
        },
        async unsubscribe(channel) {
          if (!member) return;
          member.channels.delete(channel);
          leave(byChannel, channel, member);
        },
        async subscribeTemplate(template) {
          if (!member) throw notConnected('subscribe');
          member.templates.add(template);
          join(byTemplate, template, member);
        },
        async unsubscribeTemplate(template) {
          if (!member) return;
          member.templates.delete(template);
          leave(byTemplate, template, member);
        },
        async close() {
          if (member) {
            for (const channel of member.channels) leave(byChannel, channel, member);
            for (const template of member.templates) leave(byTemplate, template, member);
            members.delete(member);
            member.channels.clear();
            member.templates.clear();
          }
          setState(ConnectionState.Closed);
        },
        status(): TransportStatus {
          return {
            name: 'local',
            state,
            since,
            channels: (member?.channels.size ?? 0) + (member?.templates.size ?? 0),
            detail: { peers: members.size },
          };
        },
        hasRemoteInterest(channel, template) {
          if (others(byChannel.get(channel), member)) return true;
          return template !== undefined && others(byTemplate.get(template), member);
        },
      };
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
