/**
 * The fallback chain: `transport: 'auto'` or `['redis', 'postgres', 'local']`.
 *
 * At start the chain tries each candidate in order, each within `connectTimeoutMs`, and uses the
 * first that connects. `HERALD_TRANSPORT` forces one. With `failover`, every candidate that can
 * connect stays connected and subscribed (a standby), publishes go to the most preferred one that
 * is connected, and when it dies the chain moves down the list at once and back up once the
 * preferred one has been healthy for `failbackAfterMs` (hysteresis: a flapping server does not
 * cause a switch storm). Every switch is reported as a `failover` event, which the bus turns into
 * a gap; an outage of any member's subscriptions (active or standby) lasts, as a gap, until that
 * member has resubscribed; messages that arrive twice around a switch are dropped by id by the
 * bus's replay window.
 *
 * `'auto'` is honest (issue 15): a server the user configured (`REDIS_URL`, `DATABASE_URL`, an
 * address in `transportOptions`) is the transport, and when it does not answer `start()` fails.
 * A silent fallback to another transport would split an app: processes that fell back hear
 * nothing from the ones that did not. Only with nothing configured does `'auto'` probe the
 * loopback defaults and end on `local`; a chain that starts on any member but its first reports
 * it (`degraded`, written to stderr unless someone listens), and `hasRemoteInterest` follows the
 * active member, so a receipt says `sent: true` only when some receiver could have the message.
 * Adapters are imported lazily, so an app that never uses Redis never loads ioredis.
 */
import { ConfigError, ErrorCode, TransportError } from '../errors.js';
import { autoList, connectHint } from './auto.js';
import {
  AUTO_ORDER,
  type BuiltinOptions,
  builtin,
  optionsOf,
  type TransportName,
} from './table.js';
import {
  ConnectionState,
  type Transport,
  type TransportEvent,
  type TransportSink,
  type TransportStatus,
} from './transport.js';

export { AUTO_ORDER, TransportName } from './table.js';

/** What `createBus({ transport })` accepts. */
export type TransportChoice =
  | Transport
  | TransportName
  | 'auto'
  | readonly (TransportName | Transport)[];

/**
 * Options of the fallback chain and of the built-in transports it creates, each under its
 * options key (`redis`, `postgres`, `local`; see the table in `table.ts`).
 */
export interface ChainOptions extends BuiltinOptions {
  /**
   * How long each candidate may take to connect at start, in ms.
   * @default 2000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Keep every candidate connected and switch at run time when the active one dies.
   * @default false
   */
  readonly failover?: boolean | { readonly failbackAfterMs?: number; readonly retryMs?: number };
  /**
   * Environment to read `HERALD_TRANSPORT` from, and, for `'auto'`, whether a server is
   * configured (`REDIS_URL`, `REDIS_HOST`, `REDIS_PORT`, `DATABASE_URL`).
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type Factory = { readonly name: string; create(): Promise<Transport> };

function factory(choice: TransportName | Transport, options: ChainOptions): Factory {
  if (typeof choice !== 'string') return { name: choice.name, create: async () => choice };
  const entry = builtin(choice);
  if (entry === undefined) {
    throw new ConfigError(`unknown transport "${String(choice)}"`, {
      transport: String(choice),
      hint: `use one of: auto, ${AUTO_ORDER.join(', ')}, or a Transport object`,
    });
  }
  return { name: entry.name, create: () => entry.create(optionsOf(entry, options)) };
}

/** Resolves a transport choice (and `HERALD_TRANSPORT`) to one transport. */
export function resolveTransport(
  choice: TransportChoice | undefined,
  options: ChainOptions = {},
): Transport {
  const env = options.env ?? process.env;
  const forced = env.HERALD_TRANSPORT?.trim();
  if (choice !== undefined && typeof choice === 'object' && !Array.isArray(choice))
    return choice as Transport;
  let list: readonly (TransportName | Transport)[];
  let configured: string | undefined;
  if (forced) {
    if (!(AUTO_ORDER as readonly string[]).includes(forced)) {
      throw new ConfigError(`HERALD_TRANSPORT="${forced}" is not a transport`, {
        hint: `set it to one of: ${AUTO_ORDER.join(', ')}`,
      });
    }
    list = [forced as TransportName];
  } else if (choice === undefined || choice === 'auto')
    ({ list, configured } = autoList(options, env));
  else if (typeof choice === 'string') list = [choice];
  else list = choice as readonly (TransportName | Transport)[];
  if (list.length === 0)
    throw new ConfigError('the transport list is empty', {
      hint: "use 'auto' or name at least one transport",
    });
  const factories = list.map((c) => factory(c, options));
  const lone = list.length === 1 && typeof list[0] === 'string' ? builtin(list[0]) : undefined;
  if (lone?.alone) return lone.alone(optionsOf(lone, options));
  return createChain(factories, options, connectHint(list, configured));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not connect within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Member {
  readonly factory: Factory;
  transport: Transport | undefined;
  healthySince: number | undefined;
  lastError: string;
}

/** Creates the chain transport over the given candidates. */
function createChain(
  factories: readonly Factory[],
  options: ChainOptions,
  hint: string,
): Transport {
  const timeoutMs = options.connectTimeoutMs ?? 2000;
  const failover = options.failover
    ? options.failover === true
      ? {}
      : options.failover
    : undefined;
  const failbackAfterMs = failover?.failbackAfterMs ?? 5000;
  const retryMs = failover?.retryMs ?? 5000;
  const members: Member[] = factories.map((f) => ({
    factory: f,
    transport: undefined,
    healthySince: undefined,
    lastError: '',
  }));
  /** Server subscriptions, plain and group, by `<group>\0<channel>` (a member that connects gets them). */
  const channels = new Map<string, { readonly channel: string; readonly group?: string }>();
  let active: Member | undefined;
  let sink: TransportSink | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const failbacks = new Set<NodeJS.Timeout>();

  const connected = (m: Member): boolean =>
    m.transport?.status().state === ConnectionState.Connected;

  function memberSink(m: Member): TransportSink {
    return {
      message(channel, data) {
        sink?.message(channel, data);
      },
      groupMessage(channel, group, data) {
        sink?.groupMessage?.(channel, group, data);
      },
      refused(channel, detail) {
        sink?.refused?.(channel, detail);
      },
      event(event) {
        if (event.type === 'disconnected') m.healthySince = undefined;
        if (event.type === 'resubscribed' || event.type === 'connected') {
          if (m.healthySince === undefined) {
            m.healthySince = Date.now();
            if (failover) scheduleFailback();
          }
        }
        const at = Date.now();
        if (m === active) sink?.event(event);
        else if (failover) standbyEvent(m, event, at);
        if (failover && event.type === 'disconnected' && m === active)
          reselect(`${m.factory.name}: ${event.reason}`);
        if (failover && event.type === 'resubscribed' && m === active) reopenOutages(m, at);
      },
    };
  }

  /**
   * With failover this node listens on every member and other nodes may publish on any of them,
   * so a standby's lost subscriptions lose messages too: its outage is reported (the bus turns it
   * into a gap). Its recovery ends the outage only while the active member is up; otherwise the
   * active member's own recovery, or a switch, ends it.
   */
  function standbyEvent(m: Member, event: TransportEvent, at: number): void {
    if (event.type === 'disconnected') {
      sink?.event({ ...event, reason: `${m.factory.name} (standby): ${event.reason}` });
    } else if (event.type === 'resubscribed' && active && connected(active)) {
      sink?.event(event);
      reopenOutages(m, at);
    }
  }

  /**
   * After the bus closed a gap (at or after `at`): members still down keep an outage open from
   * `at` on, so the next gap starts no later than where the closed one ended.
   */
  function reopenOutages(except: Member, at: number): void {
    for (const m of members) {
      if (m === except || m === active || !m.transport || connected(m)) continue;
      sink?.event({
        type: 'disconnected',
        reason: `${m.factory.name} (standby) still down: ${m.transport.status().state}`,
        since: at,
      });
    }
  }

  async function connectMember(m: Member): Promise<boolean> {
    try {
      m.transport ??= await m.factory.create();
      await withTimeout(m.transport.connect(memberSink(m)), timeoutMs, m.factory.name);
      for (const { channel, group } of channels.values())
        await m.transport.subscribe(channel, group);
      m.healthySince = Date.now();
      return true;
    } catch (error) {
      // The first line: the member's own hint does not fit in a list of reasons.
      m.lastError = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      await m.transport?.close().catch(() => undefined);
      m.transport = undefined;
      return false;
    }
  }

  function switchTo(next: Member, reason: string): void {
    const previous = active;
    active = next;
    if (previous && previous !== next) {
      const at = Date.now();
      sink?.event({ type: 'failover', from: previous.factory.name, to: next.factory.name, reason });
      // The member left behind may still be down: its resubscription, not this switch, ends the gap.
      if (failover) reopenOutages(next, at);
    }
  }

  /** Moves down the list when the active member died. */
  function reselect(reason: string): void {
    const next = members.find((m) => m !== active && connected(m));
    if (next) switchTo(next, reason);
  }

  /** Moves back to the most preferred member that has been healthy for `failbackAfterMs`. */
  function failBack(): void {
    const preferred = members.find(
      (m) =>
        connected(m) &&
        m.healthySince !== undefined &&
        Date.now() - m.healthySince >= failbackAfterMs,
    );
    if (preferred && active && members.indexOf(preferred) < members.indexOf(active)) {
      switchTo(preferred, `${preferred.factory.name} healthy for ${failbackAfterMs} ms`);
    }
  }

  /**
   * A member just became healthy: check again once it has been for `failbackAfterMs`, so the
   * failback comes then and not up to `retryMs` later at the next tick.
   */
  function scheduleFailback(): void {
    if (closed) return;
    const check = setTimeout(() => {
      failbacks.delete(check);
      if (!closed) failBack();
    }, failbackAfterMs + 1);
    check.unref();
    failbacks.add(check);
  }

  /** Periodically: reconnect members that never connected, and fail back after hysteresis. */
  async function tick(): Promise<void> {
    for (const m of members) if (!m.transport && !closed) await connectMember(m);
    failBack();
    if (!closed) timer = setTimeout(() => void tick(), retryMs).unref();
  }

  const each = async (op: (t: Transport) => Promise<void>): Promise<void> => {
    const targets = failover ? members.filter((m) => m.transport) : active ? [active] : [];
    await Promise.all(targets.map((m) => op(m.transport!)));
  };

  const name = factories.map((f) => f.name).join('>');
  return {
    get name() {
      return active?.factory.name ?? name;
    },
    get degraded() {
      return active !== undefined && active !== members[0];
    },
    // Batches must fit whichever member carries them; without a limit, as large as the bus allows.
    get batchBytes() {
      return active?.transport?.batchBytes ?? Number.POSITIVE_INFINITY;
    },
    async connect(s) {
      sink = s;
      closed = false;
      for (const m of members) {
        if (await connectMember(m)) {
          active = m;
          break;
        }
      }
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
      if (failover) {
        for (const m of members) if (m !== active && !m.transport) await connectMember(m);
        timer = setTimeout(() => void tick(), retryMs).unref();
      } else {
        // Candidates after the chosen one were never created; the ones before it failed.
        for (const m of members) if (m !== active) m.transport = undefined;
      }
    },
    // A receipt says `sent` only when some receiver could have the message: on `local`, when
    // another bus of this process listens (the active member knows; a server cannot tell).
    hasRemoteInterest(channel) {
      return active?.transport?.hasRemoteInterest?.(channel) ?? true;
    },
    async publish(channel, data) {
      const target =
        active && connected(active) ? active : failover ? members.find(connected) : active;
      if (!target?.transport) {
        throw new TransportError(ErrorCode.PublishFailed, `no connected transport in ${name}`, {
          transport: name,
          hint: 'the bus reports the outage as disconnected/gap events; retry when it reconnects',
        });
      }
      if (failover && target !== active)
        switchTo(target, `${active?.factory.name ?? 'none'} not connected`);
      try {
        await target.transport.publish(channel, data);
      } catch (error) {
        // With failover, a publish that died with its transport gets one more try on the next
        // connected one. If the first attempt did reach its server, receivers drop the second
        // copy by message id (the replay window), so nothing is delivered twice.
        const next = failover ? members.find((m) => m !== target && connected(m)) : undefined;
        if (!next?.transport) throw error;
        reselect(
          `${target.factory.name}: ${error instanceof Error ? error.message : String(error)}`,
        );
        await next.transport.publish(channel, data);
      }
    },
    // Groups only while every member in use serves them (a member without would not honour one).
    get groups() {
      const live = members.filter((m) => m.transport !== undefined);
      return live.length > 0 && live.every((m) => m.transport?.groups === true);
    },
    async subscribe(channel, group) {
      channels.set(
        `${group ?? ''}\0${channel}`,
        group === undefined ? { channel } : { channel, group },
      );
      await each((t) => t.subscribe(channel, group));
    },
    async unsubscribe(channel, group) {
      channels.delete(`${group ?? ''}\0${channel}`);
      await each((t) => t.unsubscribe(channel, group));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const check of failbacks) clearTimeout(check);
      failbacks.clear();
      await Promise.all(members.map((m) => m.transport?.close().catch(() => undefined)));
    },
    status(): TransportStatus {
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
    },
  };
}
