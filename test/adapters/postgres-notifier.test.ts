/**
 * How the PostgreSQL transport NOTIFYs (src/adapters/postgres/notifier.ts): the publishes of one
 * tick, and those that waited for a busy pool, share one round trip, in order, each still its own
 * notification. Against the machine's PostgreSQL, with a pool of one connection so that "busy" is
 * certain; deadlines with a pool that never answers.
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type PostgresTransport, postgresTransport } from '../../src/adapters/postgres/index.js';
import { createNotifier, notifyStatement } from '../../src/adapters/postgres/notifier.js';
import type { TransportSink } from '../../src/adapters/transport.js';
import { createBus, ErrorCode } from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, testRegistry } from '../../src/testing/registry.js';
import { sleep } from '../support/ports.js';
import { requirePostgres } from '../support/services.js';

const service = await requirePostgres();
const run = newRunId();
const prefix = `hn_${run}`;

/** A sink that records the payloads of one channel. */
function recorder(): TransportSink & { data: string[] } {
  const data: string[] = [];
  return { data, message: (_channel, d) => void data.push(String(d)), event: () => undefined };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(10);
  }
}

const statements = (t: PostgresTransport): number => Number(t.status().detail?.notifyStatements);

describe('notify statements', () => {
  it('call pg_notify once per message, parameters numbered in order', () => {
    expect(notifyStatement(1)).toBe('SELECT pg_notify($1, $2)');
    expect(notifyStatement(3)).toBe(
      'SELECT pg_notify($1, $2), pg_notify($3, $4), pg_notify($5, $6)',
    );
    expect(notifyStatement(3)).toBe(notifyStatement(3));
  });
});

describe('notify deadlines', () => {
  it('rejects publishes waiting behind a statement that never answers, each within its timeout', async () => {
    let released = 0;
    const silent = {
      options: { max: 1 },
      connect: async () => ({
        query: () => new Promise(() => undefined),
        release: () => void released++,
        on: () => undefined,
      }),
    } as unknown as pg.Pool;
    const notifier = createNotifier(silent, {
      maxPerQuery: 100,
      maxBytes: 1 << 20,
      timeoutMs: 500,
    });
    /** Milliseconds from the call to the rejection (NaN if it resolved). */
    const timed = (payload: string): Promise<number> => {
      const called = Date.now();
      return notifier.notify('ch', payload, 1).then(
        () => Number.NaN,
        () => Date.now() - called,
      );
    };
    const first = timed('a');
    await sleep(250);
    // b and c wait behind a, and are dequeued when a times out, 250 ms into their own 500 ms.
    const settled = await Promise.all([first, timed('b'), timed('c')]);
    // Each rejects (none resolves) near its own deadline, not 500 ms after it was dequeued.
    for (const took of settled) {
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(650);
    }
    expect(notifier.waiting).toBe(0);
    // The timed-out statement's connection was released (to be destroyed), not kept.
    expect(released).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!service.ok)('postgres notifies under load', () => {
  const pools: pg.Pool[] = [];
  const open: PostgresTransport[] = [];
  /** A transport publishing through a pool of ONE connection. */
  const transport = (maxNotifiesPerQuery?: number): PostgresTransport => {
    const pool = new pg.Pool({ connectionString: service.url, max: 1 });
    pools.push(pool);
    const t = postgresTransport({
      pool,
      prefix,
      ...(maxNotifiesPerQuery === undefined ? {} : { maxNotifiesPerQuery }),
    });
    open.push(t);
    return t;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it('carries the publishes of one tick in one round trip, in publish order', async () => {
    const t = transport();
    const sink = recorder();
    await t.connect(sink);
    await t.subscribe('load');
    const before = statements(t);
    const sent = Array.from({ length: 50 }, (_, i) => `eyJ${i}`);
    await Promise.all(sent.map((d) => t.publish('load', d)));
    await until(() => sink.data.length === sent.length);
    expect(sink.data).toEqual(sent);
    expect(statements(t) - before).toBe(1);
    expect(t.status().detail).toMatchObject({ notifyWaiting: 0 });
  });

  it('sends publishes awaited one at a time one round trip each, without waiting for others', async () => {
    const t = transport();
    const sink = recorder();
    await t.connect(sink);
    await t.subscribe('awaited');
    const before = statements(t);
    const sent = ['eyJa', 'eyJb', 'eyJc', 'eyJd'];
    for (const d of sent) await t.publish('awaited', d);
    await until(() => sink.data.length === sent.length);
    expect(sink.data).toEqual(sent);
    expect(statements(t) - before).toBe(sent.length);
  });

  it('splits waiting publishes into statements of at most maxNotifiesPerQuery, in order', async () => {
    const t = transport(8);
    const sink = recorder();
    await t.connect(sink);
    await t.subscribe('capped');
    const before = statements(t);
    const sent = Array.from({ length: 20 }, (_, i) => `eyJ${i}`);
    await Promise.all(sent.map((d) => t.publish('capped', d)));
    await until(() => sink.data.length === sent.length);
    expect(sink.data).toEqual(sent);
    // 8 + 8 + 4, one after the other on the pool's one connection.
    expect(statements(t) - before).toBe(3);
  });

  it('sends every publish in its own round trip with maxNotifiesPerQuery: 1', async () => {
    const t = transport(1);
    const sink = recorder();
    await t.connect(sink);
    await t.subscribe('single');
    const before = statements(t);
    const sent = Array.from({ length: 20 }, (_, i) => `eyJ${i}`);
    await Promise.all(sent.map((d) => t.publish('single', d)));
    await until(() => sink.data.length === sent.length);
    expect(sink.data).toEqual(sent);
    expect(statements(t) - before).toBe(20);
  });

  it('delivers a payload published three times three times (PostgreSQL folds repeats in one transaction)', async () => {
    const t = transport();
    const sink = recorder();
    await t.connect(sink);
    await t.subscribe('same');
    const sent = ['eyJfirst', 'eyJsame', 'eyJsame', 'eyJother', 'eyJsame'];
    await Promise.all(sent.map((d) => t.publish('same', d)));
    await until(() => sink.data.length >= sent.length);
    await sleep(100);
    expect(sink.data).toEqual(sent);
  });

  it('fails only the message the server refuses; the others of its round trip are delivered', async () => {
    const t = transport();
    const sink = recorder();
    await t.connect(sink);
    await t.subscribe('refused');
    // PostgreSQL text cannot hold NUL: the server refuses this payload (22021).
    const sent = ['eyJ1', 'eyJ2', 'eyJ\u0000bad', 'eyJ3', 'eyJ4'];
    const outcomes = await Promise.all(
      sent.map((d) =>
        t.publish('refused', d).then(
          () => 'sent',
          (e: unknown) => (e as { code?: string }).code,
        ),
      ),
    );
    expect(outcomes).toEqual(['sent', 'sent', ErrorCode.PublishFailed, 'sent', 'sent']);
    await until(() => sink.data.length === 4);
    expect(sink.data).toEqual(['eyJ1', 'eyJ2', 'eyJ3', 'eyJ4']);
  });
});

describe.skipIf(!service.ok)('postgres publish receipts', () => {
  it("settles a bus's receipts in publish order when several ticks' publishes share one statement", async () => {
    // Each tick's first publish goes alone and the rest as a batch (micro-batching); a batch's
    // receipts take more promise steps than a single's. With the pool's one connection held,
    // four ticks wait in the notifier and leave in two statements: the single of tick 3 must
    // not settle before the batch of tick 2 that was sent ahead of it.
    const pool = new pg.Pool({ connectionString: service.url, max: 1 });
    const t = postgresTransport({ pool, prefix });
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      nodeId: `rc-${run}`,
      transport: t,
    });
    try {
      await bus.start();
      const topic = `herald-test:${run}:receipts` as const;
      const held = await pool.connect();
      const settled: number[] = [];
      const pending: Promise<unknown>[] = [];
      for (let tick = 0; tick < 4; tick++) {
        for (let i = 0; i < 20; i++) {
          const n = tick * 20 + i;
          pending.push(
            bus
              .broadcast(topic, 'posted', { n, from: 'pub', text: `m${n}` })
              .finally(() => void settled.push(n)),
          );
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      held.release();
      await Promise.all(pending);
      expect(settled).toEqual(Array.from({ length: 80 }, (_, n) => n));
    } finally {
      await bus.stop();
      await pool.end();
    }
  });
});
