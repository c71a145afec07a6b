/**
 * Presence liveness on virtual time, over the partitionable in-process hub: a silent node goes
 * down after `downAfterMs` (leaves) and comes back (joins); a down node is forgotten after
 * `permdownAfterMs`; a node restarted with the same id leaves no ghost, at once; and a node whose
 * own event loop was frozen does not declare its peers dead.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Bus, createBus, type PresenceEvent } from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { type PresenceTopics, presenceRegistry } from './registry.js';
import { createPartitionHub, type PartitionHub } from './support/partition-hub.js';

const TIMING = { heartbeatMs: 100, downAfterMs: 1000, permdownAfterMs: 3000 } as const;
let hub: PartitionHub;
const buses: Bus<PresenceTopics>[] = [];

async function node(id: string): Promise<Bus<PresenceTopics>> {
  const bus = createBus({
    registry: presenceRegistry,
    keys: testKeys(),
    nodeId: id,
    transport: hub.transport(id),
    presence: TIMING,
    instrumentation: false,
  });
  buses.push(bus);
  await bus.start();
  return bus;
}
const pass = (ms = 1) => vi.advanceTimersByTimeAsync(ms);
const keys = async (bus: Bus<PresenceTopics>) =>
  Object.keys(await bus.presence.list('room:1')).sort();
const diffs = (events: PresenceEvent<{ name: string }>[]) =>
  events
    .filter((e) => e.event === 'presence_diff')
    .map((e) =>
      e.event === 'presence_diff'
        ? `+${Object.keys(e.payload.joins).join(',')} -${Object.keys(e.payload.leaves).join(',')}`
        : '',
    );

beforeEach(() => {
  vi.useFakeTimers();
  hub = createPartitionHub();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
  vi.useRealTimers();
});

describe('presence liveness', () => {
  it('makes a silent node’s presences leave after downAfterMs, and join again when it is back', async () => {
    const a = await node('a');
    const b = await node('b');
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass();
    const events: PresenceEvent<{ name: string }>[] = [];
    await b.presence.subscribe('room:1', (e) => void events.push(e));
    hub.partition([['a'], ['b']]);
    await pass(TIMING.downAfterMs - 2 * TIMING.heartbeatMs);
    expect(await keys(b)).toEqual(['u1']);
    await pass(3 * TIMING.heartbeatMs);
    expect(await keys(b)).toEqual([]);
    expect(b.presence.stats().peers).toMatchObject([{ node: 'a', up: false, presences: 1 }]);
    hub.heal();
    await pass(TIMING.heartbeatMs + 1);
    expect(await keys(b)).toEqual(['u1']);
    expect(diffs(events)).toEqual(['+ -u1', '+u1 -']);
    expect(b.presence.stats()).toMatchObject({ downs: 1, ups: 1 });
  });

  it('catches up on what a node tracked while it was unreachable', async () => {
    const a = await node('a');
    const b = await node('b');
    hub.partition([['a'], ['b']]);
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass(TIMING.heartbeatMs * 3);
    expect(await keys(b)).toEqual([]);
    hub.heal();
    await pass(TIMING.heartbeatMs * 2 + 1);
    expect(await keys(b)).toEqual(['u1']);
    expect(a.presence.stats().sent.state).toBeGreaterThan(0);
  });

  it('forgets a down node entirely after permdownAfterMs', async () => {
    const a = await node('a');
    const b = await node('b');
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass();
    hub.partition([['a'], ['b']]);
    await pass(TIMING.permdownAfterMs + 2 * TIMING.heartbeatMs);
    expect(b.presence.stats().peers).toEqual([]);
    hub.heal();
    await pass(3 * TIMING.heartbeatMs);
    expect(await keys(b)).toEqual(['u1']);
  });

  it('purges a crashed node’s presences as soon as it restarts with the same id (no ghosts)', async () => {
    const a = await node('a');
    const b = await node('b');
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass();
    hub.isolate('a');
    await a.stop();
    const again = await node('a');
    await again.presence.track('room:1', 'u2', { name: 'Ann again' });
    await pass(TIMING.heartbeatMs);
    // Long before the down period: the new epoch replaced the old one at once.
    expect(await keys(b)).toEqual(['u2']);
    expect(b.presence.stats().downs).toBe(0);
  });

  it('does not declare its peers dead after its own event loop was frozen', async () => {
    const a = await node('a');
    const b = await node('b');
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass();
    // Wall time jumps 5 s while no timer ran (SIGSTOP, a long GC pause, a blocked loop).
    vi.setSystemTime(Date.now() + 5 * TIMING.downAfterMs);
    await pass(TIMING.heartbeatMs);
    expect(await keys(b)).toEqual(['u1']);
    expect(b.presence.stats().downs).toBe(0);
    expect(a.presence.stats().downs).toBe(0);
  });
});
