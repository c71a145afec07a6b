/**
 * The members of a fallback chain and the moves between them (chain.ts has the whole story):
 * which member is active, connecting a member with every channel and template the chain holds,
 * switching down on a death and back up after `failbackAfterMs` of health, and the outages of
 * standbys, which the bus turns into gaps.
 */
import type { Transport, TransportEvent, TransportSink } from './transport.js';
import { ConnectionState } from './transport.js';

/** Makes one member's transport. */
export type Factory = { readonly name: string; create(): Promise<Transport> };

/** The chain options the members need. */
export interface ChainSettings {
  readonly connectTimeoutMs?: number;
  readonly failover?: boolean | { readonly failbackAfterMs?: number; readonly retryMs?: number };
}

/** One candidate transport. */
export interface Member {
  readonly factory: Factory;
  transport: Transport | undefined;
  healthySince: number | undefined;
  lastError: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not connect within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The members, the active one, and what every connected member must be subscribed to. */
export class Failover {
  readonly members: Member[];
  readonly timeoutMs: number;
  readonly enabled: boolean;
  readonly failbackAfterMs: number;
  readonly retryMs: number;
  /**
   * Channels (plain and group, keyed `<group>\0<channel>`) and templates the bus subscribed:
   * every member that connects takes them.
   */
  readonly channels = new Map<string, { readonly channel: string; readonly group?: string }>();
  readonly templates = new Set<string>();
  active: Member | undefined;
  sink: TransportSink | undefined;
  closed = false;
  timer: NodeJS.Timeout | undefined;
  readonly failbacks = new Set<NodeJS.Timeout>();

  constructor(factories: readonly Factory[], settings: ChainSettings) {
    this.timeoutMs = settings.connectTimeoutMs ?? 2000;
    const failover = settings.failover === true ? {} : settings.failover || undefined;
    this.enabled = failover !== undefined;
    this.failbackAfterMs = failover?.failbackAfterMs ?? 5000;
    this.retryMs = failover?.retryMs ?? 5000;
    this.members = factories.map((factory) => ({
      factory,
      transport: undefined,
      healthySince: undefined,
      lastError: '',
    }));
  }

  connected(m: Member): boolean {
    return m.transport?.status().state === ConnectionState.Connected;
  }

  /** The members an (un)subscribe goes to: every live one with failover, else the active one. */
  targets(): Transport[] {
    const list = this.enabled ? this.members : this.active ? [this.active] : [];
    return list.flatMap((m) => (m.transport ? [m.transport] : []));
  }

  /** Connects a member and subscribes it to every channel and template; false when it failed. */
  async connectMember(m: Member): Promise<boolean> {
    try {
      m.transport ??= await m.factory.create();
      const transport = m.transport;
      await withTimeout(transport.connect(this.memberSink(m)), this.timeoutMs, m.factory.name);
      for (const { channel, group } of this.channels.values()) {
        await (group === undefined
          ? transport.subscribe(channel)
          : transport.subscribe(channel, group));
      }
      for (const template of this.templates) await transport.subscribeTemplate?.(template);
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

  memberSink(m: Member): TransportSink {
    return {
      message: (channel, data, template) => this.sink?.message(channel, data, template),
      groupMessage: (channel, group, data) => this.sink?.groupMessage?.(channel, group, data),
      refused: (channel, detail) => this.sink?.refused?.(channel, detail),
      event: (event) => this.memberEvent(m, event),
    };
  }

  memberEvent(m: Member, event: TransportEvent): void {
    if (event.type === 'disconnected') m.healthySince = undefined;
    if (event.type === 'resubscribed' || event.type === 'connected') {
      if (m.healthySince === undefined) {
        m.healthySince = Date.now();
        if (this.enabled) this.scheduleFailback();
      }
    }
    const at = Date.now();
    if (m === this.active) this.sink?.event(event);
    else if (this.enabled) this.standbyEvent(m, event, at);
    if (this.enabled && event.type === 'disconnected' && m === this.active)
      this.reselect(`${m.factory.name}: ${event.reason}`);
    if (this.enabled && event.type === 'resubscribed' && m === this.active)
      this.reopenOutages(m, at);
  }

  /**
   * With failover this node listens on every member and other nodes may publish on any of them,
   * so a standby's lost subscriptions lose messages too: its outage is reported (the bus turns it
   * into a gap). Its recovery ends the outage only while the active member is up; otherwise the
   * active member's own recovery, or a switch, ends it.
   */
  standbyEvent(m: Member, event: TransportEvent, at: number): void {
    if (event.type === 'disconnected') {
      this.sink?.event({ ...event, reason: `${m.factory.name} (standby): ${event.reason}` });
    } else if (event.type === 'resubscribed' && this.active && this.connected(this.active)) {
      this.sink?.event(event);
      this.reopenOutages(m, at);
    }
  }

  /**
   * After the bus closed a gap (at or after `at`): members still down keep an outage open from
   * `at` on, so the next gap starts no later than where the closed one ended.
   */
  reopenOutages(except: Member, at: number): void {
    for (const m of this.members) {
      if (m === except || m === this.active || !m.transport || this.connected(m)) continue;
      this.sink?.event({
        type: 'disconnected',
        reason: `${m.factory.name} (standby) still down: ${m.transport.status().state}`,
        since: at,
      });
    }
  }

  switchTo(next: Member, reason: string): void {
    const previous = this.active;
    this.active = next;
    if (previous && previous !== next) {
      const at = Date.now();
      this.sink?.event({
        type: 'failover',
        from: previous.factory.name,
        to: next.factory.name,
        reason,
      });
      // The member left behind may still be down: its resubscription, not this switch, ends the gap.
      if (this.enabled) this.reopenOutages(next, at);
    }
  }

  /** Moves down the list when the active member died. */
  reselect(reason: string): void {
    const next = this.members.find((m) => m !== this.active && this.connected(m));
    if (next) this.switchTo(next, reason);
  }

  /** Moves back to the most preferred member that has been healthy for `failbackAfterMs`. */
  failBack(): void {
    const preferred = this.members.find(
      (m) =>
        this.connected(m) &&
        m.healthySince !== undefined &&
        Date.now() - m.healthySince >= this.failbackAfterMs,
    );
    const { active } = this;
    if (preferred && active && this.members.indexOf(preferred) < this.members.indexOf(active)) {
      this.switchTo(preferred, `${preferred.factory.name} healthy for ${this.failbackAfterMs} ms`);
    }
  }

  /**
   * A member just became healthy: check again once it has been for `failbackAfterMs`, so the
   * failback comes then and not up to `retryMs` later at the next tick.
   */
  scheduleFailback(): void {
    if (this.closed) return;
    const check = setTimeout(() => {
      this.failbacks.delete(check);
      if (!this.closed) this.failBack();
    }, this.failbackAfterMs + 1);
    check.unref();
    this.failbacks.add(check);
  }

  /** Periodically: reconnect members that never connected, and fail back after hysteresis. */
  async tick(): Promise<void> {
    for (const m of this.members) if (!m.transport && !this.closed) await this.connectMember(m);
    this.failBack();
    if (!this.closed) this.timer = setTimeout(() => void this.tick(), this.retryMs).unref();
  }

  /** Stops the timers and closes every member. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const check of this.failbacks) clearTimeout(check);
    this.failbacks.clear();
    await Promise.all(this.members.map((m) => m.transport?.close().catch(() => undefined)));
  }
}
