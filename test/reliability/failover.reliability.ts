/**
 * Redis → PostgreSQL failover and back, under load. A publisher and a receiver each run the
 * fallback chain `['redis', 'postgres']` with failover on: both transports stay connected and
 * subscribed, publishes go to the preferred one that is up. Each cycle:
 *
 * 1. Redis is killed (`kill -9`): both buses fail over to PostgreSQL, and traffic continues there;
 * 2. Redis restarts: both fail back once it has been healthy for `failbackAfterMs`;
 * 3. only the receiver's Redis subscription is cut (`CLIENT KILL`): the receiver fails over alone
 *    while the publisher stays on Redis, and comes back when its subscription is restored.
 *
 * The publisher aims at 5k msg/s; the rate reached on each transport is measured and reported.
 * Every message ends as delivered, rejected (at publish, or on receive with a reason), or inside
 * a signalled gap. A second copy arriving around a switch must be removed by id (the receiver's
 * replay window) and is counted as such; none reaches the handler twice.
 *
 * It runs twice: with the default reorder window (16384 sequence numbers when failover is on), and
 * with a wider one (65536), to show what the default would refuse if PostgreSQL's backlog at
 * failback were longer than the window.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { FAILOVER_REORDER_WINDOW } from '../../src/bus/bus.js';
import { type Bus, createBus } from '../../src/index.js';
import { sleep } from '../support/ports.js';
import { attachReceiver, type Defs, keys, registry, TOPIC, waitFor } from './fixtures.js';
import { Ledger } from './ledger.js';
import { type LoadResult, startLoad } from './load.js';
import { profile, SEED, timeoutFor } from './profile.js';
import { describeRecovery, record, rowChecks, rowFrom } from './report.js';
import { pgPrefix, privatePostgres, privateRedis, runPrefix } from './servers.js';

const { rate, cycles, downMs, steadyMs, failbackAfterMs, retryMs } = profile.failover;
const WIDE_WINDOW = 65_536;
const redis = await privateRedis();
const postgres = redis ? await privatePostgres() : undefined;

/** Kills the connections named `<name>-sub` (the subscribe connection of one bus). */
async function cutSubscriber(url: string, name: string): Promise<number> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${name}-sub `))
      .map((line) => /id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
    return ids.length;
  } finally {
    admin.disconnect();
  }
}

/** Median messages per second over the whole seconds spent entirely on `transport`. */
function rateOn(result: LoadResult, transport: string): number {
  const seconds = result.perSecond
    .slice(1, -1)
    .filter((b) => Object.keys(b).length === 1 && (b[transport] ?? 0) > 0)
    .map((b) => b[transport]!)
    .sort((a, b) => a - b);
  return seconds[Math.floor((seconds.length - 1) / 2)] ?? 0;
}

describe.skipIf(!redis || !postgres)('Redis → PostgreSQL failover and back', () => {
  const buses: Bus<Defs>[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop()));
  });

  async function run(reorderWindow: number | undefined) {
    const server = redis!.server;
    const prefix = runPrefix();
    const pgp = pgPrefix();
    const make = (nodeId: string, window?: number): Bus<Defs> => {
      const bus = createBus({
        registry,
        keys,
        nodeId,
        ...(window === undefined ? {} : { freshness: { reorderWindow: window } }),
        transport: ['redis', 'postgres'],
        transportOptions: {
          env: {},
          connectTimeoutMs: 3000,
          failover: { failbackAfterMs, retryMs },
          redis: { url: server.url, prefix, redis: { connectionName: nodeId } },
          postgres: { connectionString: postgres!.url, prefix: pgp },
        },
      });
      buses.push(bus);
      return bus;
    };
    const receiverBus = make('rcv', reorderWindow);
    const publisher = make('pub');
    await Promise.all([receiverBus.start(), publisher.start()]);
    expect(receiverBus.transport().name).toBe('redis');
    const receiver = await attachReceiver(receiverBus);
    const ledger = new Ledger('pub', receiver.gaps, rate * 40);
    receiver.track(ledger);
    const on = (bus: Bus<Defs>, name: string) => () => bus.transport().name === name;
    const load = startLoad(publisher, [ledger], { rate, topic: TOPIC, maxInFlight: 2000 });

    const detect: number[] = [];
    const failback: number[] = [];
    const cutRecovery: number[] = [];
    for (let cycle = 0; cycle < cycles; cycle++) {
      await sleep(steadyMs);
      // 1. Redis crashes: both buses move to PostgreSQL.
      const killedAt = Date.now();
      await server.kill('SIGKILL');
      await waitFor(on(receiverBus, 'postgres'), 'the receiver to fail over', 10_000);
      await waitFor(on(publisher, 'postgres'), 'the publisher to fail over', 10_000);
      const moved = receiver.next('failover', killedAt);
      if (moved) detect.push(moved.at - killedAt);
      await sleep(Math.max(0, downMs - (Date.now() - killedAt)));
      // 2. Redis is back: both return after failbackAfterMs of health.
      await server.restart();
      const restartedAt = Date.now();
      await waitFor(on(receiverBus, 'redis'), 'the receiver to fail back', 30_000);
      await waitFor(on(publisher, 'redis'), 'the publisher to fail back', 30_000);
      const back = receiver.next('failover', restartedAt);
      if (back) failback.push(back.at - restartedAt);
      await sleep(steadyMs);
      // 3. Only the receiver's subscription is cut; the publisher stays on Redis.
      const cutAt = Date.now();
      expect(await cutSubscriber(server.url, 'rcv')).toBe(1);
      await waitFor(() => receiver.next('failover', cutAt) !== undefined, 'the receiver to move');
      await waitFor(on(receiverBus, 'redis'), 'the receiver to return', 30_000);
      cutRecovery.push(Date.now() - cutAt);
    }
    await sleep(steadyMs);
    await waitFor(
      () =>
        [receiverBus, publisher].every(
          (b) => b.transport().name === 'redis' && b.transport().state === 'connected',
        ),
      'both buses on Redis',
    );
    ledger.watchTail(load.issued + 1);
    await sleep(1500);
    const result = await load.stop();
    await sleep(1500);

    const books = ledger.finish();
    const label =
      reorderWindow === undefined
        ? `default reorder window (${FAILOVER_REORDER_WINDOW} with failover)`
        : `reorderWindow ${reorderWindow}`;
    const row = rowFrom(label, 'redis⇄postgres', books, describeRecovery(failback, 'failbacks'));
    const latency = receiver.latency();
    record(
      {
        name: reorderWindow === undefined ? 'failover' : 'failover-wide-window',
        title: `Redis → PostgreSQL failover and back: ${cycles} cycles at a ${rate} msg/s target, ${label}`,
        rows: [row],
        metrics: {
          targetRate: rate,
          issuedRate: result.issuedRate,
          achievedRate: result.okRate,
          rateOnRedis: rateOn(result, 'redis'),
          rateOnPostgres: rateOn(result, 'postgres'),
          viaRedis: result.byTransport.redis ?? 0,
          viaPostgres: result.byTransport.postgres ?? 0,
          publishP50Ms: result.publishP50Ms,
          publishP99Ms: result.publishP99Ms,
          latencyP50Ms: latency.p50,
          latencyP99Ms: latency.p99,
          latencyMaxMs: latency.max,
          detectAndFailover: describeRecovery(detect, 'crashes'),
          failbackAfterRestart: describeRecovery(failback, 'restarts'),
          receiverCutRecovery: describeRecovery(cutRecovery, 'cuts'),
          failbackAfterMs,
          gapsSignalled: receiver.gaps.length,
          failovers: receiver.events.filter((e) => e.type === 'failover').length,
          rejectedAtPublish: books.rejectedAtPublish,
          refusedOnReceive: JSON.stringify(books.rejectReasons),
          reordered: books.reordered,
          maxReorder: books.maxReorder,
        },
        checks: [
          ...rowChecks(row),
          {
            name: `after recovery ${ledger.tail.delivered} of ${ledger.tail.published} delivered`,
            ok: ledger.tail.delivered === ledger.tail.published,
          },
          { name: `publish errors ${load.errors.length} = 0`, ok: load.errors.length === 0 },
          ...(reorderWindow === undefined
            ? []
            : [
                {
                  name: `refused on receive ${books.rejectedOnReceive} = 0`,
                  ok: books.rejectedOnReceive === 0,
                },
              ]),
        ],
        notes: [
          'recovery column: from Redis answering again to the receiver being back on Redis (it waits failbackAfterMs of health first)',
          'rateOnRedis / rateOnPostgres: median msgs/s over whole seconds spent entirely on one transport',
          'latency: from broadcast() to the handler; it includes time queued for a pool connection at the publisher',
          'dups removed: second copies refused by id (replay window) before any handler',
          ...(reorderWindow === undefined
            ? [
                `refused as \`replay\` on receive: messages still queued for PostgreSQL when the publisher fails back that arrive more than ${FAILOVER_REORDER_WINDOW} numbers behind the Redis ones; they are counted, not silent (see failover-wide-window)`,
              ]
            : []),
        ],
      },
      SEED,
    );

    expect(load.errors).toEqual([]);
    expect(row.silent, 'silent drops').toBe(0);
    expect(row.duplicates, 'duplicates').toBe(0);
    expect(row.anomalies).toEqual({});
    expect(receiver.unbooked).toEqual({ deliveries: 0, refusals: {} });
    expect(receiverBus.stats().overflowDrops).toBe(0);
    expect(result.byTransport.postgres ?? 0).toBeGreaterThan(0);
    expect(ledger.tail.delivered).toBe(ledger.tail.published);
    expect(detect).toHaveLength(cycles);
    return books;
  }

  const timeout = timeoutFor(cycles * (downMs + 2 * steadyMs + 15_000));

  it(
    'accounts for every message across failovers at a 5k msg/s target',
    async () => {
      const books = await run(undefined);
      // Refusals on receive may only be the reorder window's: nothing else is refused.
      expect(Object.keys(books.rejectReasons).filter((r) => r !== 'replay')).toEqual([]);
    },
    timeout,
  );

  it(
    'refuses nothing on receive with a reorder window wider than the failback backlog',
    async () => {
      const books = await run(WIDE_WINDOW);
      expect(books.rejectedOnReceive).toBe(0);
    },
    timeout,
  );
});
