/**
 * Consumer groups (`subscribe(topic, handler, { group })`) on NATS queue groups: each message to
 * exactly one member of the group across buses and processes, while a plain subscription still
 * gets every message; refused with a ConfigError on a transport without groups.
 *
 * The three-process case: members in child processes join, one leaves gracefully and one is
 * killed with SIGKILL while a publisher (itself a member) streams. Every message must be handled
 * by exactly one member, or have been sent inside the gap that every surviving member's node
 * signalled for the killed one (group membership heartbeats, src/bus/group-members.ts); the
 * member that left gracefully causes no gap.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { type Bus, ConfigError, createBus } from '../../src/index.js';
import { keys, registry } from '../fixtures/registry.js';
import { type ChildNode, spawnTsx } from '../support/child.js';
import { requireNats } from '../support/nats-server.js';
import { sleep } from '../support/ports.js';
import { waitFor } from './redis.helpers.js';

const nats = await requireNats();
const child = fileURLToPath(new URL('./nats-groups.child.ts', import.meta.url));
const newPrefix = (): string => `hgroups.${randomBytes(4).toString('hex')}`;
/** Membership heartbeats of the test's buses: a dead member is declared lost within ~2 s. */
const BEAT_MS = 300;
const TIMEOUT_MS = 1500;

interface GapLine {
  readonly from: number;
  readonly to: number;
  readonly group: string;
  readonly node: string;
}

/** The `n` of a room message's payload (its sequence in the test's stream). */
const nOf = (m: { event: string; payload: unknown }): number =>
  m.event === 'message' ? (m.payload as { n: number }).n : -1;

/** The `gap <from> <to> <group> <node>` lines a child printed. */
const gapLines = (lines: readonly string[]): GapLine[] =>
  lines
    .filter((l) => l.startsWith('gap '))
    .map((l) => {
      const [, from, to, group = '-', node = '-'] = l.split(' ');
      return { from: Number(from), to: Number(to), group, node };
    });

describe('consumer groups refused without a transport that serves them', () => {
  it('refuses { group } on the local transport with a ConfigError naming nats', async () => {
    const bus = createBus({ registry, keys, transport: 'local' });
    await bus.start();
    try {
      const error = await bus
        .subscribe('room:1', () => undefined, { group: 'receipts' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', topic: 'room:1' });
      expect((error as ConfigError).hint).toContain('nats');
    } finally {
      await bus.stop();
    }
  });

  it('refuses an invalid group name before anything is subscribed', async () => {
    const bus = createBus({ registry, keys, transport: 'local' });
    await expect(bus.subscribe('room:1', () => undefined, { group: 'a b' })).rejects.toThrow(
      /group "a b" is not a valid name/,
    );
  });
});

describe('group membership heartbeat settings', () => {
  it('refuses a timeout that does not exceed the heartbeat, at createBus', () => {
    const make = (groupHeartbeat: { heartbeatMs?: number; timeoutMs?: number }) => () =>
      createBus({ registry, keys, transport: natsTransport({}), groupHeartbeat });
    expect(make({ heartbeatMs: 1000, timeoutMs: 1000 })).toThrow(/must exceed heartbeatMs/);
    expect(make({ heartbeatMs: 0 })).toThrow(ConfigError);
    expect(make({ heartbeatMs: 500, timeoutMs: 2000 })).not.toThrow();
  });
});

describe.skipIf(!nats.ok)('consumer groups on nats', () => {
  const buses: Bus<typeof registry.defs>[] = [];
  const children: ChildNode[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await Promise.all(buses.splice(0).map((b) => b.stop()));
  });
  const url = nats.ok ? nats.url : '';
  const bus = async (nodeId: string, prefix: string) => {
    const b = createBus({
      registry,
      keys,
      nodeId,
      transport: natsTransport({ url, prefix }),
      groupHeartbeat: { heartbeatMs: BEAT_MS, timeoutMs: TIMEOUT_MS },
    });
    buses.push(b);
    await b.start();
    return b;
  };

  it('hands each message to one member across buses, the publisher included; plain subscribers get all', async () => {
    const prefix = newPrefix();
    const [a, b, c] = [await bus('a', prefix), await bus('b', prefix), await bus('c', prefix)];
    const handled = new Map<number, string[]>();
    const plain: number[] = [];
    for (const [name, member] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const) {
      await member.subscribe(
        'room:g',
        (m) => void handled.set(nOf(m), [...(handled.get(nOf(m)) ?? []), name]),
        { group: 'receipts' },
      );
    }
    await c.subscribe('room:g', (m) => void plain.push(nOf(m)));
    const count = 300;
    for (let n = 1; n <= count; n++) await a.broadcast('room:g', 'message', { text: 'r', n });
    await waitFor(() => handled.size === count && plain.length === count, 'all messages', 10_000);
    await sleep(200);
    expect([...handled.values()].every((names) => names.length === 1)).toBe(true);
    const per = (name: string) => [...handled.values()].filter((n) => n[0] === name).length;
    // The server spreads the group over its members, the publishing bus's own member included.
    for (const name of ['a', 'b', 'c']) expect(per(name)).toBeGreaterThan(0);
    expect(plain).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  }, 30_000);

  it('hands the messages the server gives a node to its members of the group in turn, by event', async () => {
    const prefix = newPrefix();
    const [pub, node] = [await bus('p', prefix), await bus('n', prefix)];
    const got: Record<'a' | 'b' | 'c', string[]> = { a: [], b: [], c: [] };
    const take = (name: 'a' | 'b' | 'c') => (m: { event: string; payload: unknown }) =>
      void got[name].push(m.event === 'message' ? String(nOf(m)) : m.event);
    await node.subscribe('room:t', take('a'), { group: 'g' });
    await node.subscribe('room:t', take('b'), { group: 'g' });
    await node.subscribe('room:t', take('c'), { group: 'g', events: ['typing'] });
    for (let n = 1; n <= 40; n++) await pub.broadcast('room:t', 'message', { text: 't', n });
    await pub.broadcast('room:t', 'typing', { userId: 'u' });
    const all = () => [...got.a, ...got.b, ...got.c];
    await waitFor(() => all().length === 41, 'every message', 10_000);
    await sleep(100);
    // Each message once; only the subscriptions that take an event share it, in turn.
    expect(all().length).toBe(41);
    expect(new Set(all()).size).toBe(41);
    expect(got.c.every((e) => e === 'typing')).toBe(true);
    expect(got.a.length).toBeGreaterThan(5);
    expect(got.b.length).toBeGreaterThan(5);
  }, 30_000);

  it('three processes: members join, leave and die; each message handled by exactly one member or inside a signalled gap', async () => {
    const prefix = newPrefix();
    const member = (id: string): ChildNode => {
      const c = spawnTsx(child, [id, url, prefix, String(BEAT_MS), String(TIMEOUT_MS)], id);
      children.push(c);
      return c;
    };
    const m1 = member('m1');
    const m2 = member('m2');
    for (const m of [m1, m2]) await waitFor(() => m.lines.includes('ready'), 'ready', 60_000);
    // The publishing process holds a member too: the survivors are on two nodes.
    const publisher = await bus('pub', prefix);
    const pubHandled: number[] = [];
    const pubGaps: GapLine[] = [];
    publisher.on(
      'gap',
      (g) => void pubGaps.push({ ...g, group: g.group ?? '-', node: g.node ?? '-' }),
    );
    await publisher.subscribe('room:g', (m) => void pubHandled.push(nOf(m)), {
      group: 'receipts',
    });
    const sendWindow: [number, number][] = [];
    let running = true;
    const stream = (async () => {
      for (let n = 1; running; n++) {
        const before = Date.now();
        await publisher.broadcast('room:g', 'message', { text: 'order', n });
        sendWindow[n] = [before, Date.now()];
        if (n % 10 === 0) await sleep(5);
      }
    })();
    await sleep(1000);
    const m3 = member('m3'); // joins under load
    await waitFor(() => m3.lines.includes('ready'), 'm3 ready', 60_000);
    await sleep(1000);
    m2.proc.stdin.write('leave\n'); // leaves gracefully
    await waitFor(() => m2.lines.includes('left'), 'm2 left', 10_000);
    await sleep(500);
    m1.proc.kill('SIGKILL'); // dies under load
    const m3Gaps = (): GapLine[] => gapLines(m3.lines);
    const lostM1 = (gaps: GapLine[]) => gaps.some((g) => g.group === 'receipts' && g.node === 'm1');
    await waitFor(() => lostM1(m3Gaps()) && lostM1(pubGaps), 'm1 declared lost', 20_000);
    running = false;
    await stream;
    const sent = sendWindow.length - 1;
    const handledBy = new Map<number, string[]>();
    const handle = (name: string, seq: number) =>
      handledBy.set(seq, [...(handledBy.get(seq) ?? []), name]);
    await waitFor(
      () => m3.lines.includes(`handled pub ${sent}`) || pubHandled.includes(sent),
      'the last message',
      10_000,
    );
    await sleep(500);
    for (const seq of pubHandled) handle('pub', seq);
    for (const [name, m] of [
      ['m1', m1],
      ['m2', m2],
      ['m3', m3],
    ] as const) {
      for (const line of m.lines) {
        const [kind, node, seq] = line.split(' ');
        if (kind === 'handled' && node === 'pub') handle(name, Number(seq));
      }
    }
    const duplicates = [...handledBy].filter(([, names]) => names.length > 1);
    const unhandled: number[] = [];
    for (let n = 1; n <= sent; n++) if (!handledBy.has(n)) unhandled.push(n);
    // Inside a gap that named the dead member, on every surviving node.
    const inside = (gaps: GapLine[], n: number) => {
      const [before, after] = sendWindow[n] ?? [0, 0];
      return gaps.some((g) => g.node === 'm1' && after >= g.from && before <= g.to);
    };
    const silent = unhandled.filter((n) => !inside(m3Gaps(), n) || !inside(pubGaps, n));
    console.log(
      `nats group across 3 processes: sent ${sent}, handled ${handledBy.size}, duplicates ${duplicates.length}, unhandled ${unhandled.length}, silent ${silent.length}; gaps at m3 ${JSON.stringify(m3Gaps())}, at pub ${JSON.stringify(pubGaps)}`,
    );
    expect(duplicates).toEqual([]);
    expect(silent).toEqual([]);
    expect(unhandled.length).toBeLessThan(sent / 10);
    for (const name of ['m1', 'm2', 'm3', 'pub']) {
      expect(
        [...handledBy.values()].some((n) => n.includes(name)),
        name,
      ).toBe(true);
    }
    // No transport gap; the group gaps name the group's topic, and never the member that left.
    for (const gaps of [m3Gaps(), pubGaps]) {
      expect(gaps.filter((g) => g.group === '-')).toEqual([]);
      expect(gaps.filter((g) => g.node === 'm2')).toEqual([]);
    }
    expect(m1.lines.filter((l) => l.startsWith('gap'))).toEqual([]);
  }, 180_000);
});
