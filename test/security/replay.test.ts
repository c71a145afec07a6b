/**
 * Replay protection across processes: the gate that keeps each publisher's order while a shared
 * store answers out of order, the in-memory store, and the same bus-level cases against the real
 * Redis (`SET NX PX`) and PostgreSQL (`INSERT … ON CONFLICT`) stores: a message replayed to
 * another node of the group, or to a node that restarted, is refused; fan-out is not broken.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  ConfigError,
  createBus,
  createLocalHub,
  type LocalHub,
  type Message,
  memoryReplayStore,
  postgresReplayStore,
  type Rejection,
  type ReplayStore,
  redisReplayStore,
  type SharedReplayOptions,
} from '../../src/index.js';
import { createReplayGate } from '../../src/internal.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import {
  type InjectableTransport,
  injectableTransport,
  KEY_1,
  registry,
  settleIo,
} from './harness.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
const run = randomBytes(4).toString('hex');

/** A store whose claims the test answers by hand. */
function manualStore() {
  const calls: { key: string; ttlMs: number; answer(isNew: boolean | Error): void }[] = [];
  const store: ReplayStore = {
    claim(key, ttlMs) {
      return new Promise<boolean>((resolve, reject) => {
        calls.push({
          key,
          ttlMs,
          answer: (isNew) => (isNew instanceof Error ? reject(isNew) : resolve(isNew)),
        });
      });
    },
  };
  return { store, calls };
}

const until = async (check: () => boolean, what: string, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('the replay gate', () => {
  it("releases one publisher's verdicts in arrival order when the store answers out of order, without holding up others", async () => {
    const { store, calls } = manualStore();
    const gate = createReplayGate({ store }, 'me', 65_000);
    const order: string[] = [];
    for (let seq = 1; seq <= 5; seq++)
      gate.check('p', 'e1', seq, (r) => order.push(`p${seq}:${r ?? 'ok'}`));
    gate.check('q', 'e1', 1, (r) => order.push(`q1:${r ?? 'ok'}`));
    expect(calls.map((c) => c.key)).toEqual([
      'me|p:e1:1',
      'me|p:e1:2',
      'me|p:e1:3',
      'me|p:e1:4',
      'me|p:e1:5',
      'me|q:e1:1',
    ]);
    expect(calls.every((c) => c.ttlMs === 65_000)).toBe(true);
    expect(gate.pending).toBe(6);
    calls[5]!.answer(true); // q is not behind p
    await settleIo();
    expect(order).toEqual(['q1:ok']);
    for (const i of [4, 2, 3]) calls[i]!.answer(true);
    calls[1]!.answer(false);
    await settleIo();
    expect(order).toEqual(['q1:ok']);
    calls[0]!.answer(true);
    await settleIo();
    expect(order).toEqual(['q1:ok', 'p1:ok', 'p2:replay', 'p3:ok', 'p4:ok', 'p5:ok']);
    expect(gate.pending).toBe(0);
  });

  it('times out a claim that never answers as replay_unchecked and releases what waited behind it', async () => {
    const { store, calls } = manualStore();
    const gate = createReplayGate({ store, timeoutMs: 40 }, 'me', 1000);
    const verdicts: string[] = [];
    gate.check('p', 'e', 1, (r, detail) => verdicts.push(`1:${r}:${detail}`));
    gate.check('p', 'e', 2, (r) => verdicts.push(`2:${r ?? 'ok'}`));
    calls[1]!.answer(true);
    await until(() => verdicts.length === 2, 'the timeout');
    expect(verdicts[0]).toMatch(
      /^1:replay_unchecked:the shared replay store did not answer: no answer within 40 ms$/,
    );
    expect(verdicts[1]).toBe('2:ok');
    calls[0]!.answer(true); // too late: ignored
    await settleIo();
    expect(verdicts).toHaveLength(2);
  });

  it('refuses on a store error by default, and accepts unchecked (counted) with failOpen', async () => {
    const failing: ReplayStore = { claim: () => Promise.reject(new Error('READONLY replica')) };
    const throwing: ReplayStore = {
      claim: () => {
        throw new Error('not connected');
      },
    };
    for (const [store, message] of [
      [failing, 'READONLY replica'],
      [throwing, 'not connected'],
    ] as const) {
      const closed = createReplayGate({ store }, 'me', 1000);
      const open = createReplayGate({ store, failOpen: true }, 'me', 1000);
      const got: string[] = [];
      closed.check('p', 'e', 1, (r, d) => got.push(`closed ${r} ${d}`));
      open.check('p', 'e', 1, (r) => got.push(`open ${r ?? 'ok'}`));
      await settleIo();
      expect(got.sort()).toEqual([
        `closed replay_unchecked the shared replay store did not answer: ${message}`,
        'open ok',
      ]);
      expect(open.unchecked).toBe(1);
      expect(closed.unchecked).toBe(0);
    }
  });

  it('refuses past maxPending, so a slow store cannot grow memory without bound', () => {
    const { store } = manualStore();
    const gate = createReplayGate({ store, maxPending: 3 }, 'me', 1000);
    const got: (string | undefined)[] = [];
    for (let seq = 1; seq <= 5; seq++) gate.check('p', 'e', seq, (r) => got.push(r));
    expect(gate.pending).toBe(3);
    expect(got).toEqual(['replay_unchecked', 'replay_unchecked']);
    gate.clear();
    expect(gate.pending).toBe(0);
  });

  it.each([
    [{ store: {} as ReplayStore }, /not a replay store/],
    [{ store: memoryReplayStore(), group: 'a|b' }, /group "a\|b" is invalid/],
    [{ store: memoryReplayStore(), timeoutMs: 0 }, /timeoutMs must be a positive integer/],
    [{ store: memoryReplayStore(), maxPending: 1.5 }, /maxPending must be a positive integer/],
  ] as const)('refuses invalid options at createBus (%#)', (shared, why) => {
    expect(() =>
      createBus({
        registry,
        keys: { keys: [KEY_1] },
        freshness: { shared: shared as SharedReplayOptions },
      }),
    ).toThrow(ConfigError);
    expect(() => createReplayGate(shared as SharedReplayOptions, 'me', 1)).toThrow(why);
  });
});

describe('the in-memory replay store', () => {
  it('answers true once per key, again after the ttl, and forgets its oldest keys past maxEntries', async () => {
    const store = memoryReplayStore({ maxEntries: 2 });
    expect(await store.claim('a', 20)).toBe(true);
    expect(await store.claim('a', 20)).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    expect(await store.claim('a', 20)).toBe(true);
    await store.claim('b', 1000);
    await store.claim('c', 1000);
    expect(await store.claim('a', 1000)).toBe(true); // forgotten: it was the oldest
    expect(await store.claim('c', 1000)).toBe(false);
  });
});

// ---------------------------------------------------------------- bus-level, on each store

interface Node {
  readonly bus: Bus<typeof registry.defs>;
  readonly transport: InjectableTransport;
  readonly handled: Message[];
  readonly rejections: Rejection[];
}

async function startNode(
  hub: LocalHub,
  nodeId: string,
  shared: SharedReplayOptions | undefined,
): Promise<Node> {
  const transport = injectableTransport(hub.transport());
  const bus = createBus({
    registry,
    keys: { keys: [KEY_1] },
    transport,
    nodeId,
    ...(shared === undefined ? {} : { freshness: { shared } }),
  });
  const handled: Message[] = [];
  const rejections: Rejection[] = [];
  bus.on('rejected', (r) => rejections.push(r));
  await bus.start();
  await bus.subscribe('room:1', (m) => void handled.push(m));
  return { bus, transport, handled, rejections };
}

interface StoreCase {
  readonly name: string;
  readonly skip: boolean;
  /** A fresh store (a fresh namespace on the shared server). */
  make(): ReplayStore;
}

const redisClients: Redis[] = [];
const pools: pg.Pool[] = [];
const tables: string[] = [];
afterAll(async () => {
  for (const client of redisClients) client.disconnect();
  const pool = pools[0];
  for (const table of tables)
    await pool?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await Promise.all(pools.map((p) => p.end()));
});

const redisClient = (): Redis => {
  const client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  redisClients.push(client);
  return client;
};
const pgPool = (): pg.Pool => {
  const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
};
let tableCount = 0;
const newTable = (): string => {
  const table = `herald_replay_${run}_${++tableCount}`;
  tables.push(table);
  return table;
};

const STORES: StoreCase[] = [
  { name: 'in-memory', skip: false, make: () => memoryReplayStore() },
  {
    name: 'Redis',
    skip: !redis.ok,
    make: () => redisReplayStore(redisClient(), { prefix: `herald-test:${run}:${++tableCount}:` }),
  },
  {
    name: 'PostgreSQL',
    skip: !postgres.ok,
    make: () => postgresReplayStore(pgPool(), { table: newTable() }),
  },
];

describe.each(STORES)('a shared $name replay store', ({ skip, make }) => {
  it.skipIf(skip)('refuses a message replayed to a different node of the same group', async () => {
    const store = make();
    const hub = createLocalHub();
    const sender = createBus({
      registry,
      keys: { keys: [KEY_1] },
      transport: hub.transport(),
      nodeId: 's',
    });
    await sender.start();
    const a = await startNode(hub, 'a', { store, group: 'workers' });
    // b is elsewhere (another hub: another process); only the store is shared.
    const b = await startNode(createLocalHub(), 'b', { store, group: 'workers' });
    try {
      await sender.broadcast('room:1', 'message', { text: 'once' });
      await until(() => a.handled.length === 1, 'delivery to a');
      const captured = a.transport.received.find((r) => r.channel === 'room:1')!;
      b.transport.inject(captured.channel, captured.data);
      await until(() => b.rejections.length === 1, 'the rejection at b');
      expect(b.rejections[0]).toMatchObject({ reason: 'replay', node: 's', channel: 'room:1' });
      expect(b.bus.stats().rejected.replay).toBe(1);
      expect(b.handled).toEqual([]);
      // The same bytes to a again: its own in-memory window refuses them first.
      a.transport.inject(captured.channel, captured.data);
      await settleIo();
      expect(a.bus.stats().rejected.replay).toBe(1);
      expect(a.handled).toHaveLength(1);
    } finally {
      await Promise.all([sender.stop(), a.bus.stop(), b.bus.stop()]);
      await store.close?.();
    }
  });

  it.skipIf(skip)(
    'delivers a broadcast to every node when each node is its own group (the default)',
    async () => {
      const store = make();
      const hub = createLocalHub();
      const sender = createBus({
        registry,
        keys: { keys: [KEY_1] },
        transport: hub.transport(),
        nodeId: 's',
      });
      await sender.start();
      const nodes = await Promise.all(['a', 'b', 'c'].map((id) => startNode(hub, id, { store })));
      try {
        for (let i = 0; i < 10; i++) await sender.broadcast('room:1', 'message', { text: `m${i}` });
        await until(() => nodes.every((n) => n.handled.length === 10), 'fan-out');
        for (const n of nodes) {
          expect(n.handled.map((m) => (m.payload as { text: string }).text)).toEqual(
            Array.from({ length: 10 }, (_, i) => `m${i}`),
          );
          expect(n.bus.stats().rejectedTotal).toBe(0);
        }
      } finally {
        await Promise.all([sender.stop(), ...nodes.map((n) => n.bus.stop())]);
        await store.close?.();
      }
    },
  );

  it.skipIf(skip)('refuses, after a restart, a message the node accepted before it', async () => {
    const store = make();
    const hub = createLocalHub();
    const sender = createBus({
      registry,
      keys: { keys: [KEY_1] },
      transport: hub.transport(),
      nodeId: 's',
    });
    await sender.start();
    const before = await startNode(hub, 'b', { store });
    await sender.broadcast('room:1', 'message', { text: 'before the restart' });
    await until(() => before.handled.length === 1, 'delivery before the restart');
    const captured = before.transport.received.find((r) => r.channel === 'room:1')!;
    await before.bus.stop();
    const after = await startNode(createLocalHub(), 'b', { store });
    const forgetful = await startNode(createLocalHub(), 'b', undefined);
    try {
      after.transport.inject(captured.channel, captured.data);
      forgetful.transport.inject(captured.channel, captured.data);
      await until(() => after.rejections.length === 1, 'the rejection after the restart');
      expect(after.rejections[0]?.reason).toBe('replay');
      expect(after.handled).toEqual([]);
      // Without the store, the restarted node's empty window would have taken it again.
      expect(forgetful.handled).toHaveLength(1);
    } finally {
      await Promise.all([sender.stop(), after.bus.stop(), forgetful.bus.stop()]);
      await store.close?.();
    }
  });

  it.skipIf(skip)("keeps each publisher's order whatever order the store answers in", async () => {
    const inner = make();
    const jittery: ReplayStore = {
      claim: (key, ttl) =>
        new Promise((r) => setTimeout(r, Math.random() * 4)).then(() => inner.claim(key, ttl)),
    };
    const hub = createLocalHub();
    const senders = await Promise.all(
      ['s1', 's2'].map(async (id) => {
        const bus = createBus({
          registry,
          keys: { keys: [KEY_1] },
          transport: hub.transport(),
          nodeId: id,
        });
        await bus.start();
        return bus;
      }),
    );
    const receiver = await startNode(hub, 'r', { store: jittery });
    try {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) {
        for (const s of senders) sends.push(s.broadcast('room:1', 'message', { text: String(i) }));
      }
      await Promise.all(sends);
      await until(() => receiver.handled.length === 400, 'all 400 messages');
      for (const id of ['s1', 's2']) {
        const seqs = receiver.handled.filter((m) => m.meta.node === id).map((m) => m.meta.seq);
        expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      }
    } finally {
      await Promise.all([...senders.map((s) => s.stop()), receiver.bus.stop()]);
      await inner.close?.();
    }
  });
});

describe.skipIf(!redis.ok)('the Redis replay store', () => {
  it('sets each id once with SET NX and a PX expiry of maxPastMs + maxFutureMs', async () => {
    const client = redisClient();
    const prefix = `herald-test:${run}:ttl:`;
    const store = redisReplayStore(client, { prefix });
    const gate = createReplayGate({ store, group: 'g' }, 'me', 65_000);
    const verdicts: (string | undefined)[] = [];
    gate.check('n', 'e', 7, (r) => verdicts.push(r));
    gate.check('n', 'e', 7, (r) => verdicts.push(r));
    await until(() => verdicts.length === 2, 'two verdicts');
    expect(verdicts).toEqual([undefined, 'replay']);
    const ttl = await client.pttl(`${prefix}g|n:e:7`);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(65_000);
    await client.del(`${prefix}g|n:e:7`);
  });
});

describe.skipIf(!postgres.ok)('the PostgreSQL replay store', () => {
  it('claims a batch in one statement, counting a key twice in the batch as a replay', async () => {
    const pool = pgPool();
    let statements = 0;
    const counting = {
      query: (text: string, values?: unknown[]) => {
        if (text.trimStart().startsWith('INSERT')) statements++;
        return pool.query(text, values);
      },
    };
    const store = postgresReplayStore(counting, { table: newTable(), cleanupMs: 0 });
    const answers = await Promise.all(['a', 'b', 'a', 'c', 'b'].map((k) => store.claim(k, 60_000)));
    expect(answers).toEqual([true, true, false, true, false]);
    expect(statements).toBe(1);
    expect(await store.claim('a', 60_000)).toBe(false);
  });

  it('lets an expired id be claimed again, and sweeps expired rows', async () => {
    const pool = pgPool();
    const table = newTable();
    const store = postgresReplayStore(pool, { table, cleanupMs: 0 });
    expect(await store.claim('short', 1)).toBe(true);
    expect(await store.claim('long', 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.claim('short', 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.sweep()).toBe(1);
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM ${table}`);
    expect(rows.map((r) => r.id)).toEqual(['long']);
  });

  it('creates its table once even when several stores start at the same moment', async () => {
    const table = newTable();
    const stores = Array.from({ length: 4 }, () =>
      postgresReplayStore(pgPool(), { table, cleanupMs: 0 }),
    );
    const answers = await Promise.all(stores.map((s) => s.claim('same-id', 60_000)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('refuses an invalid table name', () => {
    expect(() => postgresReplayStore(pgPool(), { table: 'x; DROP TABLE y' })).toThrow(ConfigError);
  });
});
