/**
 * The fallback chain's Transport face (chain.ts has the whole story; its members and switches
 * are chain-failover.ts). Publishes go to the active member, or with failover to the most
 * preferred connected one; subscriptions, template ones included, go to every live member with
 * failover, else to the active one.
 */
import { ErrorCode, TransportError } from '../errors.js';
import { type ChainSettings, type Factory, Failover, type Member } from './chain-failover.js';
import { ConnectionState, type Transport, type TransportStatus } from './transport.js';

export type { Factory } from './chain-failover.js';

/** Creates the chain transport over the given candidates. */
export function createChain(
  factories: readonly Factory[],
  settings: ChainSettings,
  hint: string,
): Transport {
  const chain = new Failover(factories, settings);
  const name = factories.map((f) => f.name).join('>');
  const each = async (op: (t: Transport) => Promise<void>): Promise<void> => {
    await Promise.all(chain.targets().map(op));
  };
  return {
    get name() {
      return chain.active?.factory.name ?? name;
    },
    get degraded() {
      return chain.active !== undefined && chain.active !== chain.members[0];
    },
    // The bus batches by default over a network member, not over the in-process one.
    get remote() {
      return chain.active?.transport?.remote === true;
    },
    get batched() {
      return chain.active?.transport?.batched === true;
    },
    // Batches must fit whichever member carries them; without a limit, as large as the bus allows.
    get batchBytes() {
      return chain.active?.transport?.batchBytes ?? Number.POSITIVE_INFINITY;
    },
    connect: (sink) => connect(chain, sink, name, hint),
    // A receipt says `sent` only when some receiver could have the message: on `local`, when
    // another bus of this process listens (the active member knows; a server cannot tell).
    hasRemoteInterest(channel, template) {
      return chain.active?.transport?.hasRemoteInterest?.(channel, template) ?? true;
    },
    publish: (channel, data, template) => publish(chain, name, channel, data, template),
    // Groups only while every member in use serves them (a member without would not honour one).
    get groups() {
      const live = chain.members.filter((m) => m.transport !== undefined);
      return live.length > 0 && live.every((m) => m.transport?.groups === true);
    },
    // Durable topics only while every member in use stores them (durable.ts).
    get durable() {
      const live = chain.members.filter((m) => m.transport !== undefined);
      const stores = live.map((m) => m.transport?.durable);
      return stores.length > 0 && stores.every((s) => s !== undefined)
        ? chain.active?.transport?.durable
        : undefined;
    },
    async subscribe(channel, group) {
      chain.channels.set(
        `${group ?? ''}\0${channel}`,
        group === undefined ? { channel } : { channel, group },
      );
      await each((t) => (group === undefined ? t.subscribe(channel) : t.subscribe(channel, group)));
    },
    async unsubscribe(channel, group) {
      chain.channels.delete(`${group ?? ''}\0${channel}`);
      await each((t) =>
        group === undefined ? t.unsubscribe(channel) : t.unsubscribe(channel, group),
      );
    },
    async subscribeTemplate(template) {
      chain.templates.add(template);
      await each((t) => templateOp(t, template, 'subscribe'));
    },
    async unsubscribeTemplate(template) {
      chain.templates.delete(template);
      await each((t) => templateOp(t, template, 'unsubscribe'));
    },
    close: () => chain.close(),
    status: () => status(chain, name),
  };
}

/** A template (un)subscribe on a member, refused when the member has no patterns at all. */
async function templateOp(t: Transport, template: string, op: 'subscribe' | 'unsubscribe') {
  const call = op === 'subscribe' ? t.subscribeTemplate : t.unsubscribeTemplate;
  if (call === undefined) {
    if (op === 'unsubscribe') return;
    throw new TransportError(
      ErrorCode.PublishFailed,
      `the ${t.name} transport in the chain cannot subscribe to the template "${template}"`,
      { transport: t.name, topic: template, hint: 'use built-in transports in the chain' },
    );
  }
  await call.call(t, template);
}

/** Connects the first member that can, and with failover every other one as a standby. */
async function connect(
  chain: Failover,
  sink: Parameters<Transport['connect']>[0],
  name: string,
  hint: string,
): Promise<void> {
  chain.sink = sink;
  chain.closed = false;
  for (const m of chain.members) {
    if (await chain.connectMember(m)) {
      chain.active = m;
      break;
    }
  }
  const { active, members } = chain;
  if (!active) {
    throw new TransportError(
      ErrorCode.ConnectFailed,
      `no transport could connect: ${members.map((m) => `${m.factory.name} (${m.lastError})`).join('; ')}`,
      { transport: name, hint },
    );
  }
  const passed = members.slice(0, members.indexOf(active));
  const preferred = members[0]!;
  sink.event(
    active === preferred
      ? { type: 'connected' }
      : {
          type: 'connected',
          degraded: {
            preferred: preferred.factory.name,
            reason: passed.map((m) => `${m.factory.name} (${m.lastError})`).join('; '),
          },
        },
  );
  if (chain.enabled) {
    for (const m of members) if (m !== active && !m.transport) await chain.connectMember(m);
    chain.timer = setTimeout(() => void chain.tick(), chain.retryMs).unref();
  } else {
    // Candidates after the chosen one were never created; the ones before it failed.
    for (const m of members) if (m !== active) m.transport = undefined;
  }
}

/** Publishes on the active member; with failover, once more on the next one if it died. */
async function publish(
  chain: Failover,
  name: string,
  channel: string,
  data: string,
  template: string | undefined,
): Promise<void> {
  const { active } = chain;
  const connected = (m: Member) => chain.connected(m);
  const target =
    active && connected(active) ? active : chain.enabled ? chain.members.find(connected) : active;
  if (!target?.transport) {
    throw new TransportError(ErrorCode.PublishFailed, `no connected transport in ${name}`, {
      transport: name,
      hint: 'the bus reports the outage as disconnected/gap events; retry when it reconnects',
    });
  }
  if (chain.enabled && target !== active)
    chain.switchTo(target, `${active?.factory.name ?? 'none'} not connected`);
  try {
    await target.transport.publish(channel, data, template);
  } catch (error) {
    // With failover, a publish that died with its transport gets one more try on the next
    // connected one. If the first attempt did reach its server, receivers drop the second
    // copy by message id (the replay window), so nothing is delivered twice.
    const next = chain.enabled
      ? chain.members.find((m) => m !== target && connected(m))
      : undefined;
    if (!next?.transport) throw error;
    chain.reselect(
      `${target.factory.name}: ${error instanceof Error ? error.message : String(error)}`,
    );
    await next.transport.publish(channel, data, template);
  }
}

/** The active member's status, with the chain's own details. */
function status(chain: Failover, name: string): TransportStatus {
  const { active, members } = chain;
  const inner = active?.transport?.status();
  const preferred = members[0]!;
  return {
    name: active?.factory.name ?? name,
    state: inner?.state ?? ConnectionState.Idle,
    since: inner?.since ?? Date.now(),
    channels: inner?.channels ?? 0,
    detail: {
      ...inner?.detail,
      chain: name,
      degraded: active !== undefined && active !== preferred,
      ...Object.fromEntries(
        members.map((m) => [
          `${m.factory.name}.state`,
          m.transport?.status().state ?? `down: ${m.lastError || 'not tried'}`,
        ]),
      ),
    },
  };
}
