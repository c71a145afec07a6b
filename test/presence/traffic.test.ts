/**
 * Presence traffic with 1,000 tracked keys, measured at the transport (every envelope a node
 * hands it, signed and encoded): the cost of tracking them, the steady state per node per
 * heartbeat, and what a node joining late costs. Printed as `[presence-traffic] ...`; the
 * figures are in docs/presence.md. Virtual time, default settings (heartbeat 1.5 s).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  type LocalHub,
  PRESENCE_DEFAULTS,
  type Transport,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { type PresenceTopics, presenceRegistry } from './registry.js';

const KEYS = 1000;
const HEARTBEATS = 20;

interface Meter {
  messages: number;
  bytes: number;
  byEvent: Record<string, { messages: number; bytes: number }>;
}
const meter = (): Meter => ({ messages: 0, bytes: 0, byEvent: {} });

/** A transport that counts what its node publishes (envelope bytes, by presence event). */
function counting(inner: Transport, m: Meter): Transport {
  return {
    name: inner.name,
    connect: (sink) => inner.connect(sink),
    async publish(channel, data) {
      // herald/2 (docs/wire-format.md §1): `head body signatures`; member 4 is the event.
      const body = data.slice(data.indexOf(' [') + 1, data.lastIndexOf(' '));
      const [message] = JSON.parse(body) as unknown[][];
      const payload = { event: String(message?.[3]) };
      const bytes = Buffer.byteLength(data);
      m.messages++;
      m.bytes += bytes;
      const slot = (m.byEvent[payload.event] ??= { messages: 0, bytes: 0 });
      slot.messages++;
      slot.bytes += bytes;
      await inner.publish(channel, data);
    },
    subscribe: (channel) => inner.subscribe(channel),
    unsubscribe: (channel) => inner.unsubscribe(channel),
    close: () => inner.close(),
    status: () => inner.status(),
    hasRemoteInterest: (channel) => inner.hasRemoteInterest?.(channel) ?? true,
  };
}

let hub: LocalHub;
const buses: Bus<PresenceTopics>[] = [];
async function node(id: string, m: Meter): Promise<Bus<PresenceTopics>> {
  const bus = createBus({
    registry: presenceRegistry,
    keys: testKeys(),
    nodeId: id,
    transport: counting(hub.transport(), m),
    instrumentation: false,
  });
  buses.push(bus);
  await bus.start();
  return bus;
}
const print = (what: string, value: string): void => {
  console.log(`[presence-traffic] ${what.padEnd(58)} ${value}`);
};
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

beforeEach(() => {
  vi.useFakeTimers();
  hub = createLocalHub();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
  vi.useRealTimers();
});

describe('presence traffic', () => {
  it(`costs one small heartbeat per node per interval with ${KEYS} keys tracked`, async () => {
    const meters = [meter(), meter(), meter()];
    const [a, b] = [
      await node('api-1', meters[0] as Meter),
      await node('api-2', meters[1] as Meter),
    ];
    await node('api-3', meters[2] as Meter);
    const heartbeatMs = PRESENCE_DEFAULTS.heartbeatMs;

    // 1. Tracking: one delta per change.
    const before = { ...(meters[0] as Meter) };
    for (let i = 0; i < KEYS; i++) {
      await a.presence.track('room:lobby', `user-${i}`, { name: `User ${i}`, device: 'web' });
    }
    await vi.advanceTimersByTimeAsync(1);
    const deltas = (meters[0] as Meter).byEvent.delta ?? { messages: 0, bytes: 0 };
    expect(deltas.messages).toBe(KEYS);
    print(
      `tracking ${KEYS} keys: deltas sent by the tracking node`,
      `${deltas.messages} msgs, ${kb(deltas.bytes)} (${Math.round(deltas.bytes / deltas.messages)} B each)`,
    );
    expect(Object.keys(await b.presence.list('room:lobby'))).toHaveLength(KEYS);
    expect(before.messages).toBeLessThan((meters[0] as Meter).messages);

    // 2. Steady state: nothing changes for HEARTBEATS intervals.
    const start = meters.map((m) => ({ messages: m.messages, bytes: m.bytes }));
    await vi.advanceTimersByTimeAsync(HEARTBEATS * heartbeatMs);
    meters.forEach((m, i) => {
      const messages = (m.messages - (start[i]?.messages ?? 0)) / HEARTBEATS;
      const bytes = (m.bytes - (start[i]?.bytes ?? 0)) / HEARTBEATS;
      print(
        `steady state, node ${i + 1} (${i === 0 ? `${KEYS} keys` : '0 keys'}), per heartbeat`,
        `${messages.toFixed(2)} msgs, ${bytes.toFixed(0)} B`,
      );
      expect(messages).toBe(1);
      expect(bytes).toBeLessThan(600);
    });

    // 3. A node joining late asks once; the node with the keys answers with its full state.
    const late = meter();
    const beforeJoin = { ...((meters[0] as Meter).byEvent.state ?? { messages: 0, bytes: 0 }) };
    const d = await node('api-4', late);
    await vi.advanceTimersByTimeAsync(heartbeatMs);
    const state = (meters[0] as Meter).byEvent.state ?? { messages: 0, bytes: 0 };
    const parts = state.messages - beforeJoin.messages;
    const bytes = state.bytes - beforeJoin.bytes;
    print(
      `late joiner: full state of ${KEYS} keys from the tracking node`,
      `${parts} msgs, ${kb(bytes)}`,
    );
    expect(Object.keys(await d.presence.list('room:lobby'))).toHaveLength(KEYS);
    expect(parts).toBe(Math.ceil(KEYS / 200));

    // For comparison: shipping the full state on every heartbeat instead would cost `bytes`
    // per node per interval.
    print('(a full-state heartbeat would instead cost, per interval)', kb(bytes));
  }, 60_000);
});
