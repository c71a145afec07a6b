/**
 * A local handler overloaded ten times: 10k msg/s published in-process to handlers that take 1k/s
 * (60 s full, 10 s short). Three subscriptions share the topic, one per overflow policy, each
 * with a queue of 1024. Every message is accounted for per subscription: delivered, or dropped by
 * the policy, where the bus's own drop counter must match the undelivered count exactly. The
 * queues never hold more than their limit, and RSS grows less than 50 MB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  localTransport,
  type OverflowPolicy,
  type Subscription,
} from '../../src/index.js';
import { type Defs, keys, registry, TOPIC } from './fixtures.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import { canCollect, collect, heapMb, heapTotalMb, memoryProbe, rssMb } from './probes.js';
import { profile, SEED, timeoutFor } from './profile.js';
import { record, rowChecks, rowFrom } from './report.js';

const { durationMs, capacity, rate, queueLimit, maxRssGrowthMb } = profile.overload;

/** A handler that takes `perSecond` messages a second: credits every 10 ms, waits when out. */
function throttled(perSecond: number) {
  const perTick = perSecond / 100;
  let credits = perTick;
  let waiting: (() => void) | undefined;
  const timer = setInterval(() => {
    credits = Math.min(credits + perTick, perTick);
    if (waiting && credits >= 1) {
      credits--;
      const resume = waiting;
      waiting = undefined;
      resume();
    }
  }, 10);
  return {
    take(): undefined | Promise<void> {
      if (credits >= 1) {
        credits--;
        return undefined;
      }
      return new Promise<void>((resolve) => (waiting = resolve));
    },
    stop: () => clearInterval(timer),
  };
}

interface Watched {
  readonly policy: OverflowPolicy;
  readonly ledger: Ledger;
  readonly sub: Subscription;
  readonly first: number[];
  readonly last: number[];
  maxPending: number;
  overflowEvents: number;
  overflowDropped: number;
  errors: number;
  stop(): void;
}

describe('a local handler overloaded 10x', () => {
  let bus: Bus<Defs> | undefined;
  afterEach(async () => {
    await bus?.stop();
  });

  it(
    'holds each overflow policy, counts every drop exactly, and keeps RSS growth under 50 MB',
    async () => {
      const hub = createLocalHub();
      const b = createBus({
        registry,
        keys,
        nodeId: 'overload',
        transport: localTransport({ hub }),
      });
      bus = b;
      await b.start();
      const watched: Watched[] = [];
      for (const policy of ['drop-oldest', 'drop-newest', 'error'] as const) {
        const ledger = new Ledger('overload', [], rate * 5);
        const handler = throttled(capacity);
        const first: number[] = [];
        const last: number[] = [];
        const sub = await b.subscribe(
          TOPIC,
          (m) => {
            ledger.delivered(m.meta.seq);
            if (first.length < 2 * queueLimit) first.push(m.meta.seq);
            last.push(m.meta.seq);
            if (last.length > 4 * queueLimit) last.splice(0, 2 * queueLimit);
            return handler.take();
          },
          { queue: { limit: queueLimit, overflow: policy } },
        );
        watched.push({
          policy,
          ledger,
          sub,
          first,
          last,
          maxPending: 0,
          overflowEvents: 0,
          overflowDropped: 0,
          errors: 0,
          stop: handler.stop,
        });
      }
      b.on('overflow', (e) => {
        const w = watched.find((x) => x.sub.id === e.subscription);
        if (!w) return;
        w.overflowEvents++;
        w.overflowDropped += e.dropped;
      });
      b.on('subscription_error', (e) => {
        const w = watched.find((x) => x.sub.id === e.subscription);
        if (w && e.error.code === 'QUEUE_OVERFLOW') w.errors++;
      });

      collect();
      const baseMb = rssMb();
      const memory = memoryProbe(100);
      const pendingTimer = setInterval(() => {
        for (const w of watched) w.maxPending = Math.max(w.maxPending, w.sub.pending);
      }, 5);
      const load = startLoad(
        b,
        watched.map((w) => w.ledger),
        { rate, topic: TOPIC, maxInFlight: 5000 },
      );
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      const result = await load.stop();
      // The drop-* queues drain their last `queueLimit` messages at the handler's pace.
      const drainStart = Date.now();
      while (watched.some((w) => w.sub.active && w.sub.pending > 0)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const drainMs = Date.now() - drainStart;
      await new Promise((resolve) => setTimeout(resolve, 50));
      clearInterval(pendingTimer);
      memory.stop();
      collect();
      const endMb = rssMb();
      for (const w of watched) w.stop();

      const stats = b.stats();
      const rows = watched.map((w) => {
        const books = w.ledger.finish();
        const drops = w.policy === 'error' ? books.unexplained : w.sub.dropped;
        const label =
          w.policy === 'error'
            ? `error policy (cancelled after ${books.delivered})`
            : `${w.policy} (queue ${queueLimit})`;
        const recovery = w.policy === 'error' ? 'n/a (cancelled)' : `drained in ${drainMs} ms`;
        return { w, books, row: rowFrom(label, 'local', books, recovery, drops) };
      });
      const peakGrowth = Math.round((memory.peakMb - baseMb) * 10) / 10;
      record(
        {
          name: 'overload',
          title: `A local handler overloaded 10x: ${rate} msg/s into ${capacity} msg/s handlers for ${durationMs / 1000} s`,
          rows: rows.map((r) => r.row),
          metrics: {
            publishedRate: result.okRate,
            handlerCapacity: capacity,
            rssBaseMb: baseMb,
            rssPeakMb: memory.peakMb,
            rssPeakGrowthMb: peakGrowth,
            rssEndMb: endMb,
            rssTrendMb: memory.trend().join(' '),
            heapMb: `used ${heapMb()}, reserved ${heapTotalMb()} (after GC, at the end)`,
            gcExposed: canCollect(),
            maxPendingOldest: watched[0]!.maxPending,
            maxPendingNewest: watched[1]!.maxPending,
            busOverflowDrops: stats.overflowDrops,
          },
          checks: [
            ...rows.flatMap((r) => rowChecks(r.row)),
            ...rows
              .filter((r) => r.w.policy !== 'error')
              .map((r) => ({
                name: `${r.w.policy}: dropped ${r.w.sub.dropped} = undelivered ${r.books.unexplained}`,
                ok: r.w.sub.dropped === r.books.unexplained,
              })),
            {
              name: `queue never above ${queueLimit} (${Math.max(watched[0]!.maxPending, watched[1]!.maxPending)})`,
              ok: watched[0]!.maxPending <= queueLimit && watched[1]!.maxPending <= queueLimit,
            },
            {
              name: `RSS growth ${peakGrowth} MB < ${maxRssGrowthMb} MB`,
              ok: peakGrowth < maxRssGrowthMb,
            },
          ],
          notes: [
            "policy drops of drop-oldest/drop-newest are the subscription's own `dropped` counter; the books require it to equal the undelivered count exactly",
            'the error policy cancels its subscription at the first overflow (one subscription_error QUEUE_OVERFLOW); what it never received is counted as its policy drops',
          ],
        },
        SEED,
      );

      expect(load.errors).toEqual([]);
      expect(result.rejected).toBe(0);
      expect(result.okRate).toBeGreaterThan(rate * 0.9);
      for (const { w, books, row } of rows) {
        expect(row.silent, `${w.policy}: silent drops`).toBe(0);
        expect(row.duplicates, `${w.policy}: duplicates`).toBe(0);
        expect(row.anomalies, `${w.policy}: anomalies`).toEqual({});
        expect(books.reordered, `${w.policy}: out of order`).toBe(0);
        expect(books.delivered + row.policyDrops).toBe(result.issued);
        if (w.policy === 'error') continue;
        // The drop counter, the overflow events and the undelivered count agree exactly.
        expect(w.sub.dropped).toBe(books.unexplained);
        expect(w.overflowDropped).toBe(w.sub.dropped);
        expect(w.maxPending).toBeLessThanOrEqual(queueLimit);
        // Overloaded 10x: about 90% of the messages cannot be taken.
        expect(w.sub.dropped).toBeGreaterThan(result.issued * 0.8);
      }
      // drop-oldest keeps the newest: the last `queueLimit` published all arrived, in order.
      const newest = Array.from(
        { length: queueLimit },
        (_, i) => result.issued - queueLimit + 1 + i,
      );
      expect(watched[0]!.last.slice(-queueLimit)).toEqual(newest);
      // drop-newest keeps the oldest: the first `queueLimit` published all arrived, in order.
      const oldest = Array.from({ length: queueLimit }, (_, i) => i + 1);
      expect(watched[1]!.first.slice(0, queueLimit)).toEqual(oldest);
      // The error policy: cancelled once, at its first overflow, having received 1..n in order
      // (what its queue still held when it was cancelled was never delivered).
      const error = watched[2]!;
      const received = rows[2]!.books.delivered;
      expect(error.errors).toBe(1);
      expect(error.sub.active).toBe(false);
      expect(received).toBeGreaterThan(0);
      expect(error.first).toEqual(Array.from({ length: received }, (_, i) => i + 1));
      expect(stats.overflowDrops).toBe(watched[0]!.sub.dropped + watched[1]!.sub.dropped);
      expect(peakGrowth).toBeLessThan(maxRssGrowthMb);
    },
    timeoutFor(durationMs),
  );
});
