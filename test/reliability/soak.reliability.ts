/**
 * A soak at 5k msg/s per transport: in-process (two buses on a hub, signed and verified), Redis
 * and PostgreSQL (private servers). 10 minutes each in the full run, 30 s in the short one; the
 * first part warms up. After the warm-up, RSS may grow less than 5% (both figures taken right
 * after a full garbage collection), and the event loop's delay stays under 50 ms at p99
 * (`perf_hooks.monitorEventLoopDelay`). Publisher and receiver share this process, so the lag is
 * what both sides together cause. Every message is accounted for, as everywhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import {
  type Bus,
  createBus,
  createLocalHub,
  localTransport,
  type Transport,
} from '../../src/index.js';
import { sleep } from '../support/ports.js';
import { attachReceiver, type Defs, keys, registry, TOPIC } from './fixtures.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import {
  canCollect,
  collect,
  externalMb,
  heapMb,
  heapTotalMb,
  lagMonitor,
  loadAverage,
  memoryProbe,
  rssMb,
} from './probes.js';
import { profile, SEED, timeoutFor } from './profile.js';
import {
  type Check,
  duration,
  type Row,
  readResults,
  record,
  rowChecks,
  rowFrom,
} from './report.js';
import { pgPrefix, privatePostgres, privateRedis, runPrefix } from './servers.js';

const { durationMs, warmupMs, rate, maxRssGrowth, maxLagP99Ms } = profile.soak;
const redis = await privateRedis();
const postgres = await privatePostgres();

type Kind = 'local' | 'redis' | 'postgres';

describe('a soak at 5k msg/s per transport', () => {
  const buses: Bus<Defs>[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop()));
  });

  async function soak(kind: Kind, transports: () => [Transport, Transport]): Promise<void> {
    const [pt, rt] = transports();
    const publisher = createBus({ registry, keys, nodeId: `soak-pub-${kind}`, transport: pt });
    const receiverBus = createBus({ registry, keys, nodeId: `soak-rcv-${kind}`, transport: rt });
    buses.push(publisher, receiverBus);
    await Promise.all([publisher.start(), receiverBus.start()]);
    const receiver = await attachReceiver(receiverBus);
    const ledger = new Ledger(publisher.nodeId, receiver.gaps, rate * 20);
    receiver.track(ledger);
    const lag = lagMonitor();
    const load = startLoad(publisher, [ledger], { rate, topic: TOPIC, maxInFlight: 2000 });

    await sleep(warmupMs);
    collect();
    const baseRss = rssMb();
    const baseHeap = heapMb();
    const baseHeapTotal = heapTotalMb();
    const baseExternal = externalMb();
    const memory = memoryProbe(1000);
    lag.reset();
    const issuedAtWarm = load.issued;
    const loadBefore = loadAverage();
    const cpuBefore = process.cpuUsage();
    const warmAt = Date.now();
    await sleep(durationMs - warmupMs);
    const lagFigures = lag.figures();
    const loadAfter = loadAverage();
    const cpu = process.cpuUsage(cpuBefore);
    const measuredMs = Date.now() - warmAt;
    const measuredRate = Math.round(((load.issued - issuedAtWarm) * 1000) / measuredMs);
    const cpuUs = cpu.user + cpu.system;
    const cpuPerMessageUs = Math.round(cpuUs / Math.max(1, load.issued - issuedAtWarm));
    const cpuCores = Math.round((cpuUs / 1000 / measuredMs) * 100) / 100;
    collect();
    const endRss = rssMb();
    const endHeap = heapMb();
    const endHeapTotal = heapTotalMb();
    const endExternal = externalMb();
    memory.stop();
    lag.stop();
    ledger.watchTail(load.issued + 1);
    const result = await load.stop();
    await sleep(1000);

    const books = ledger.finish();
    const growth = (endRss - baseRss) / baseRss;
    const latency = receiver.latency();
    const row = rowFrom(`soak ${duration(durationMs)}`, kind, books, 'n/a (no faults)');
    const previous = readResults()?.scenarios.soak;
    const metrics = {
      [`${kind}.rate`]: measuredRate,
      [`${kind}.rssMb`]: `${baseRss} → ${endRss} (${(growth * 100).toFixed(1)}%), peak ${memory.peakMb}`,
      [`${kind}.heapMb`]: `used ${baseHeap} → ${endHeap}, reserved ${baseHeapTotal} → ${endHeapTotal}`,
      [`${kind}.rssTrendMb`]: memory.trend().join(' '),
      [`${kind}.externalMb`]: `${baseExternal} → ${endExternal}`,
      [`${kind}.lagMs`]: `p50 ${lagFigures.p50}, p99 ${lagFigures.p99}, max ${lagFigures.max} (histogram p99 ${lagFigures.rawP99})`,
      [`${kind}.latencyMs`]: `p50 ${latency.p50}, p99 ${latency.p99}, max ${latency.max}`,
      [`${kind}.publishMs`]: `p50 ${result.publishP50Ms}, p99 ${result.publishP99Ms}`,
      [`${kind}.loadAvg`]: `${loadBefore} → ${loadAfter}`,
      [`${kind}.cpu`]: `${cpuPerMessageUs} µs per message (publish + receive), ${cpuCores} cores`,
      ...(books.rejectedAtPublish + books.rejectedOnReceive > 0
        ? {
            [`${kind}.rejected`]: `${books.rejectedAtPublish} at publish (${load.rejections.join(' | ')}), on receive ${JSON.stringify(books.rejectReasons)}`,
          }
        : {}),
    };
    const rows: Row[] = [...(previous?.rows ?? []).filter((r) => r.transport !== kind), row];
    const checks: Check[] = [
      ...rowChecks(row),
      {
        name: `${kind}: delivered ${books.delivered} of ${books.sent}`,
        ok: books.delivered === books.sent,
      },
      {
        name: `${kind}: rate ${measuredRate} ≥ ${Math.round(rate * 0.95)} msg/s`,
        ok: measuredRate > rate * 0.95,
      },
      {
        name: `${kind}: RSS growth ${(growth * 100).toFixed(1)}% < ${maxRssGrowth * 100}%`,
        ok: growth < maxRssGrowth,
      },
      {
        name: `${kind}: lag p99 ${lagFigures.p99} ms < ${maxLagP99Ms} ms`,
        ok: lagFigures.p99 < maxLagP99Ms,
      },
    ];
    record(
      {
        name: 'soak',
        title: `A soak at ${rate} msg/s per transport: ${duration(durationMs)} each, ${duration(warmupMs)} warm-up`,
        rows,
        metrics: { ...previous?.metrics, ...metrics, gcExposed: canCollect() },
        checks: [...(previous?.checks ?? []).filter((c) => !c.name.startsWith(kind)), ...checks],
        notes: [
          'rssMb: after the warm-up → at the end, both right after a full GC; growth must stay under 5%',
          'lagMs: event-loop lag after the warm-up: monitorEventLoopDelay at 10 ms resolution, minus those 10 ms; p99 must stay under 50 ms',
          'loadAvg: the machine’s 1-minute load average at the start and end of each soak (2 cpus); anything above ~2 means other work competed for the CPU',
          'latencyMs: broadcast() to handler; publishMs: broadcast() to its promise settling',
          'cpu: this process’s CPU time after the warm-up, per message published and received (both buses live here), and in cores used',
        ],
      },
      SEED,
    );

    expect(load.errors).toEqual([]);
    expect(row.silent, 'silent drops').toBe(0);
    expect(row.duplicates, 'duplicates').toBe(0);
    expect(row.outOfOrder, 'out of order').toBe(0);
    expect(row.anomalies).toEqual({});
    // Nothing failed, so everything arrived.
    expect(books.delivered).toBe(books.sent);
    expect(receiver.unbooked).toEqual({ deliveries: 0, refusals: {} });
    expect(measuredRate, 'the soak ran at its rate').toBeGreaterThan(rate * 0.95);
    expect(growth, `RSS growth after warm-up (${baseRss} → ${endRss} MB)`).toBeLessThan(
      maxRssGrowth,
    );
    expect(lagFigures.p99, 'event-loop lag p99 (ms)').toBeLessThan(maxLagP99Ms);
  }

  const timeout = timeoutFor(durationMs);

  it(
    'in-process: stable memory and a responsive event loop',
    async () => {
      const hub = createLocalHub();
      await soak('local', () => [localTransport({ hub }), localTransport({ hub })]);
    },
    timeout,
  );

  it.skipIf(!redis)(
    'Redis: stable memory and a responsive event loop',
    async () => {
      const prefix = runPrefix();
      const url = redis!.server.url;
      await soak('redis', () => [redisTransport({ url, prefix }), redisTransport({ url, prefix })]);
    },
    timeout,
  );

  it.skipIf(!postgres)(
    'PostgreSQL: stable memory and a responsive event loop',
    async () => {
      const prefix = pgPrefix();
      const connectionString = postgres!.url;
      await soak('postgres', () => [
        postgresTransport({ connectionString, prefix }),
        postgresTransport({ connectionString, prefix }),
      ]);
    },
    timeout,
  );
});
