/**
 * The fallback chain's gaps with failover on, found by the failover reliability scenario and kept
 * here as fast, deterministic cases (they run with `npm test`). With failover, a node listens on
 * every member, and other nodes may publish on any of them, so an outage of ANY member's
 * subscriptions may lose messages: the gap must last until that member has resubscribed, not
 * only until the chain switched away from it.
 */
import { describe, expect, it } from 'vitest';
import {
  type Bus,
  ConnectionState,
  createBus,
  type Gap,
  type Transport,
  type TransportEvent,
  type TransportSink,
} from '../../src/index.js';
import { type Defs, keys, registry } from './fixtures.js';

/** A transport whose connection state and events the test drives. */
interface FakeTransport extends Transport {
  /** Sets the state and reports the event, as an adapter would. */
  emit(event: TransportEvent): void;
}

function fakeTransport(name: string): FakeTransport {
  let sink: TransportSink | undefined;
  let state: ConnectionState = ConnectionState.Idle;
  const channels = new Set<string>();
  return {
    name,
    async connect(next) {
      sink = next;
      state = ConnectionState.Connected;
      next.event({ type: 'connected' });
    },
    async publish() {},
    async subscribe(channel) {
      channels.add(channel);
    },
    async unsubscribe(channel) {
      channels.delete(channel);
    },
    async close() {
      state = ConnectionState.Closed;
    },
    status: () => ({ name, state, since: 0, channels: channels.size }),
    emit(event) {
      if (event.type === 'disconnected') state = ConnectionState.Reconnecting;
      if (event.type === 'connected') state = ConnectionState.Connected;
      sink?.event(event);
    },
  };
}

async function chainBus(): Promise<{
  bus: Bus<Defs>;
  preferred: FakeTransport;
  standby: FakeTransport;
  gaps: Gap[];
}> {
  const preferred = fakeTransport('redis');
  const standby = fakeTransport('postgres');
  const bus = createBus({
    registry,
    keys,
    nodeId: 'chain-gaps',
    transport: [preferred, standby],
    transportOptions: { env: {}, failover: { failbackAfterMs: 60_000, retryMs: 60_000 } },
  });
  const gaps: Gap[] = [];
  bus.on('gap', (gap) => void gaps.push(gap));
  await bus.start();
  await bus.subscribe('room:1', () => undefined);
  return { bus, preferred, standby, gaps };
}

/** True when the gaps, together, cover every moment from `from` to `to`. */
function covers(gaps: readonly Gap[], from: number, to: number): boolean {
  let reached = from;
  for (const g of [...gaps].sort((a, b) => a.from - b.from)) {
    if (g.from > reached) return false;
    reached = Math.max(reached, g.to);
  }
  return reached >= to;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('fallback chain gaps with failover', () => {
  it('keeps the gap open until the member it left has resubscribed', async () => {
    const { bus, preferred, gaps } = await chainBus();
    const cutAt = Date.now();
    preferred.emit({ type: 'disconnected', reason: 'subscriber connection lost', since: cutAt });
    expect(bus.transport().name).toBe('postgres');
    expect(gaps).toHaveLength(1);
    // Other nodes still publish on Redis; this node hears none of it until Redis resubscribes.
    await pause(30);
    const resubscribedAt = Date.now();
    preferred.emit({ type: 'connected' });
    preferred.emit({ type: 'resubscribed', channels: 2, ms: 30 });
    expect(covers(gaps, cutAt, resubscribedAt)).toBe(true);
    await bus.stop();
  });

  it('signals a gap when a standby’s subscriptions were down', async () => {
    const { bus, standby, gaps } = await chainBus();
    const downAt = Date.now();
    standby.emit({ type: 'disconnected', reason: 'listener lost', since: downAt });
    expect(bus.transport().name).toBe('redis');
    await pause(30);
    standby.emit({ type: 'connected' });
    standby.emit({ type: 'resubscribed', channels: 2, ms: 30 });
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.from).toBeLessThanOrEqual(downAt);
    expect(gaps[0]!.to).toBeGreaterThanOrEqual(downAt + 25);
    await bus.stop();
  });

  it('does not end the outage when a standby recovers while the active member is still down', async () => {
    const { bus, preferred, standby, gaps } = await chainBus();
    const standbyDown = Date.now();
    standby.emit({ type: 'disconnected', reason: 'listener lost', since: standbyDown });
    preferred.emit({ type: 'disconnected', reason: 'connection lost', since: standbyDown + 1 });
    // Nothing to switch to: still on Redis, which is down.
    expect(bus.transport().name).toBe('redis');
    standby.emit({ type: 'connected' });
    standby.emit({ type: 'resubscribed', channels: 2, ms: 10 });
    expect(gaps).toHaveLength(0);
    await pause(20);
    preferred.emit({ type: 'connected' });
    preferred.emit({ type: 'resubscribed', channels: 2, ms: 10 });
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.from).toBeLessThanOrEqual(standbyDown);
    await bus.stop();
  });
});
