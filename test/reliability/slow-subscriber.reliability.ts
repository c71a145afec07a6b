/**
 * A slow subscriber under a tight `client-output-buffer-limit pubsub 256kb 64kb 1` on a private
 * Redis. The subscriber runs in its own process and falls behind a 5k msg/s publisher in two ways:
 *
 * - stalled: the process is stopped (SIGSTOP: a long GC pause, a starved CPU), then continued;
 * - CPU-bound: its handler burns 2 ms per message for 6 s (a tenth of the publish rate).
 *
 * Either way Redis stops buffering for it and closes its connection (its log says so). The
 * subscriber must notice the disconnect, resubscribe, and report a gap that covers exactly the
 * messages it lost: they form one unbroken run of sequence numbers, inside the gap with no slack.
 *
 * Each fault starts only once the subscriber is subscribed and keeping up: on a loaded machine it
 * may have fallen behind and been cut already, and a process stopped while it has no subscription
 * is never cut. The wait for the cut is bounded by what is queued for the subscriber, not by a
 * time (see output-buffer.ts), and the slowness lasts until the cut (at least `slowPhaseMs`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { type Bus, createBus, type Gap } from '../../src/index.js';
import { sleep } from '../support/ports.js';
import { type Defs, keys, registry, TOPIC, waitFor, waitWhileProgressing } from './fixtures.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import { type CutStats, type CutWatch, parseRedisBytes, waitForCut } from './output-buffer.js';
import { profile, SEED, timeoutFor } from './profile.js';
import { describeRecovery, duration, record, rowChecks, rowFrom } from './report.js';
import { privateRedis, runPrefix } from './servers.js';
import { type SubscriberProcess, startSubscriber } from './subscriber-process.js';

const { rate, rounds, steadyMs, outputBufferLimit, slowHandlerMs, slowPhaseMs } =
  profile.slowSubscriber;
const CUT_LINE = 'overcoming of output buffer limits';
/** Room for one fault: steady traffic, the slowness, the fall behind and the drain after it. */
const ROUND_MS = steadyMs + slowPhaseMs + 45_000;
const TIMEOUT_MS = timeoutFor(rounds * 2 * ROUND_MS);
const redis = await privateRedis([
  '--client-output-buffer-limit',
  `pubsub ${outputBufferLimit.join(' ')}`,
]);

/** Sequence numbers in 1..highest that are in none of the ranges, as runs [from, to]. */
function missingRuns(ranges: readonly [number, number][], highest: number): [number, number][] {
  const runs: [number, number][] = [];
  let next = 1;
  for (const [from, to] of ranges) {
    if (from > next) runs.push([next, from - 1]);
    next = Math.max(next, to + 1);
  }
  if (next <= highest) runs.push([next, highest]);
  return runs;
}

interface Round {
  readonly kind: 'stalled' | 'cpu-bound';
  readonly start: number;
  fellBehind: CutStats | undefined;
  cutAt: number;
  detectedAt: number;
  reason: string;
  resubscribedAt: number;
}

describe.skipIf(!redis)('a slow subscriber under a tight pubsub output buffer limit', () => {
  let publisher: Bus<Defs> | undefined;
  let child: SubscriberProcess | undefined;
  let admin: Redis | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'herald-rel-slow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGCONT');
      child.proc.kill('SIGKILL');
    }
    admin?.disconnect();
    await publisher?.stop();
  });

  it(
    'is disconnected by Redis, notices, resubscribes, and is told exactly what it lost',
    async () => {
      const { server, log } = redis!;
      const prefix = runPrefix();
      const sub = startSubscriber(server.url, prefix);
      child = sub;
      await waitFor(() => sub.ready, `the subscriber to start (${sub.stderr})`, 60_000);
      admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
      const pub = createBus({
        registry,
        keys,
        nodeId: 'pub',
        transport: redisTransport({ url: server.url, prefix }),
      });
      publisher = pub;
      await pub.start();
      const gaps: Gap[] = [];
      // The subscriber reports what it delivered only at the end: the books hold the whole run.
      const ledger = new Ledger('pub', gaps, (rate * TIMEOUT_MS) / 1000);
      const load = startLoad(pub, [ledger], { rate, topic: TOPIC, maxInFlight: 2000 });
      const cuts = (): number => log().split(CUT_LINE).length - 1;
      const watch: CutWatch = {
        admin,
        cuts,
        published: () => load.ok,
        consumed: () => sub.delivered,
        hardLimit: parseRedisBytes(outputBufferLimit[0]),
      };
      // What the subscriber does: deliveries while it drains, connection events while it reconnects.
      const moving = (): number => sub.delivered + sub.events.length;
      const where = (): string =>
        `it is at #${sub.highest} of #${load.issued}, ${sub.up ? 'connected' : 'disconnected'}; Redis cut it ${cuts()} times`;

      /**
       * Waits until the subscriber is subscribed and keeping up: it delivered a message published
       * after the wait began, stayed connected, and Redis cut it no more meanwhile.
       */
      const keepingUp = async (): Promise<void> => {
        for (let attempt = 1; ; attempt++) {
          const cutsBefore = cuts();
          const mark = load.issued;
          await waitWhileProgressing(
            () => sub.up && sub.highest >= mark,
            moving,
            `the subscriber to keep up with the publisher (#${mark})`,
            30_000,
            where,
          );
          if (cuts() === cutsBefore && sub.up) return;
          if (attempt === 5) throw new Error(`the subscriber never kept up: ${where()}`);
        }
      };

      const done: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const kind of ['stalled', 'cpu-bound'] as const) {
          await sleep(steadyMs);
          await keepingUp();
          const before = cuts();
          const round: Round = {
            kind,
            start: Date.now(),
            fellBehind: undefined,
            cutAt: 0,
            detectedAt: 0,
            reason: '',
            resubscribedAt: 0,
          };
          if (kind === 'stalled') {
            sub.proc.kill('SIGSTOP');
            round.fellBehind = await waitForCut(watch, before);
            round.cutAt = Date.now();
            await sleep(300);
            sub.proc.kill('SIGCONT');
          } else {
            const fastFile = join(dir, `fast-${done.length}`);
            sub.send(`slow ${slowHandlerMs} ${fastFile}`);
            round.fellBehind = await waitForCut(watch, before);
            round.cutAt = Date.now();
            // Slow for at least slowPhaseMs, then fast again, so that it is not cut a second time.
            await sleep(Math.max(0, round.start + slowPhaseMs - Date.now()));
            writeFileSync(fastFile, '');
          }
          await waitWhileProgressing(
            () => sub.next('resubscribed', round.cutAt) !== undefined,
            moving,
            'the subscriber to resubscribe after the cut',
            30_000,
            where,
          );
          const down = sub.next('disconnected', round.start);
          round.detectedAt = down?.at ?? 0;
          round.reason = down?.detail?.reason ?? '';
          round.resubscribedAt = sub.next('resubscribed', round.cutAt)!.at;
          done.push(round);
        }
      }
      await sleep(steadyMs);
      const tailFrom = load.issued + 1;
      await sleep(1500);
      const result = await load.stop();
      await sleep(1000);
      const report = await sub.report();
      gaps.push(...report.gaps);
      // In the order they came, so that the books count any delivery after a higher number.
      for (const [from, to] of report.byNode.pub ?? []) {
        for (let s = from; s <= to; s++) ledger.delivered(s);
      }
      const books = ledger.finish();
      sub.send('stop');

      // Exactness: the messages lost around each cut form one unbroken run inside one gap.
      const runs = missingRuns(report.ranges, result.issued);
      const placed = runs.map(([from, to]) => {
        const first = ledger.publishedAt(from)!;
        const last = ledger.publishedAt(to)!;
        const gap = report.gaps.find((g) => g.from <= first.end && last.start <= g.to);
        return { from, to, lost: to - from + 1, gap, first, last };
      });
      const row = rowFrom(
        `${done.length} cuts (stalled + CPU-bound)`,
        'redis',
        books,
        describeRecovery(
          done.map((d) => d.resubscribedAt - d.detectedAt),
          'cuts',
        ),
      );
      record(
        {
          name: 'slow-subscriber',
          title: `A slow subscriber under client-output-buffer-limit pubsub ${outputBufferLimit.join(' ')}, ${rate} msg/s`,
          rows: [row],
          metrics: {
            rate: result.okRate,
            redisCuts: cuts(),
            gapsSignalled: report.gaps.length,
            lostRuns: runs.length,
            ...Object.fromEntries(
              done.flatMap((d, i) => {
                // The run this fault lost (a cut before the fault, under load, loses a run of its own).
                const p = placed.find(
                  (q) => q.last.end >= d.start && q.first.start <= d.resubscribedAt,
                );
                return [
                  [
                    `${i + 1}.${d.kind}`,
                    `cut ${fellBehind(d.fellBehind)}; detected ${duration(d.detectedAt - d.cutAt)} after the cut: ${d.reason}`,
                  ],
                  [
                    `${i + 1}.gap`,
                    p?.gap
                      ? `${p.lost} lost (#${p.from}-#${p.to}); gap opens ${duration(p.first.start - p.gap.from)} before the first, closes ${duration(p.gap.to - p.last.end)} after the last`
                      : 'no gap',
                  ],
                ];
              }),
            ),
            subscriberOverflowDrops: report.stats.overflowDrops,
            subscriberRefusals: report.stats.rejectedTotal,
          },
          checks: [
            ...rowChecks(row),
            { name: `messages that needed the slack ${row.slack} = 0`, ok: row.slack === 0 },
            { name: `Redis cut it ${cuts()} times (≥ ${done.length})`, ok: cuts() >= done.length },
            {
              name: 'every cut noticed and followed by a resubscription',
              ok: done.every((d) => d.detectedAt > 0 && d.resubscribedAt > d.detectedAt),
            },
            {
              name: `${runs.length} lost runs, each inside a gap (${report.gaps.length} gaps)`,
              ok:
                runs.length >= done.length &&
                runs.length <= report.gaps.length &&
                placed.every((p) => p.gap !== undefined),
            },
          ],
          notes: [
            'each fault starts once the subscriber keeps up (it delivered a message published after the wait began, with no cut meanwhile)',
            'cut: how long Redis took to cut it after it fell behind, and how much was queued for it then (sent into the socket buffers or held by Redis, less what it handled)',
            'recovery: from the subscriber noticing the disconnect to its confirmed resubscription',
            'detected: from Redis logging the cut (polled every 20 ms) to the subscriber reporting the disconnect; a stopped process notices once it runs again',
            'a gap opens at the send time of the last heartbeat answered before the cut (the last moment the connection provably worked) and closes when the resubscription is confirmed',
          ],
        },
        SEED,
      );

      expect(load.errors).toEqual([]);
      expect(row.silent, 'silent drops').toBe(0);
      expect(row.duplicates, 'duplicates').toBe(0);
      expect(row.outOfOrder, 'out of order').toBe(0);
      expect(row.slack, 'messages that needed the slack').toBe(0);
      expect(row.anomalies).toEqual({});
      expect(report.duplicates).toBe(0);
      expect(report.stats.overflowDrops).toBe(0);
      // Redis cut it every time; every cut was noticed, and ended in a resubscription.
      expect(cuts()).toBeGreaterThanOrEqual(done.length);
      for (const d of done) {
        expect(d.detectedAt, `${d.kind}: disconnect noticed`).toBeGreaterThan(0);
        expect(d.resubscribedAt).toBeGreaterThan(d.detectedAt);
      }
      // Exactly what was lost: one unbroken run per gap, each inside its gap, nothing else.
      expect(runs.length).toBeGreaterThanOrEqual(done.length);
      expect(runs.length).toBeLessThanOrEqual(report.gaps.length);
      for (const p of placed) expect(p.gap, `run #${p.from}-#${p.to} inside a gap`).toBeDefined();
      expect(placed.every((p) => p.to < tailFrom)).toBe(true);
    },
    TIMEOUT_MS,
  );
});

/** `1.3 s after it fell behind, with 4.6 MB queued for it`. */
function fellBehind(stats: CutStats | undefined): string {
  if (!stats) return 'not measured';
  return `${duration(stats.ms)} after it fell behind, with ${(stats.queuedBytes / 2 ** 20).toFixed(1)} MB queued for it`;
}
