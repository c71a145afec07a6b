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
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { type Bus, createBus, type Gap } from '../../src/index.js';
import { sleep } from '../support/ports.js';
import { type Defs, keys, registry, TOPIC, waitFor } from './fixtures.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import { profile, SEED, timeoutFor } from './profile.js';
import { describeRecovery, duration, record, rowChecks, rowFrom } from './report.js';
import { privateRedis, runPrefix } from './servers.js';

const { rate, rounds, steadyMs, outputBufferLimit, slowHandlerMs, slowPhaseMs } =
  profile.slowSubscriber;
const CUT_LINE = 'overcoming of output buffer limits';
const redis = await privateRedis([
  '--client-output-buffer-limit',
  `pubsub ${outputBufferLimit.join(' ')}`,
]);
const childFile = fileURLToPath(new URL('./slow-subscriber.child.ts', import.meta.url));

interface ChildEvent {
  readonly type: string;
  readonly name?: string;
  readonly at: number;
  readonly detail?: { readonly reason?: string; readonly ms?: number } & Partial<Gap>;
}

interface ChildReport {
  readonly ranges: [number, number][];
  readonly duplicates: number;
  readonly reordered: number;
  readonly count: number;
  readonly gaps: Gap[];
  readonly stats: { readonly overflowDrops: number; readonly rejectedTotal: number };
}

/** The subscriber process and what it printed. */
function subscriber(url: string, prefix: string) {
  const proc: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', childFile, url, prefix],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const events: ChildEvent[] = [];
  let report: ChildReport | undefined;
  let ready = false;
  let buffered = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const value = JSON.parse(line) as ChildEvent & ChildReport;
      if (value.type === 'ready') ready = true;
      else if (value.type === 'report') report = value;
      else events.push(value);
    }
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return {
    proc,
    events,
    get ready() {
      return ready;
    },
    get stderr() {
      return stderr;
    },
    send: (command: string) => void proc.stdin.write(`${command}\n`),
    next: (name: string, since: number) => events.find((e) => e.name === name && e.at >= since),
    async report(): Promise<ChildReport> {
      report = undefined;
      proc.stdin.write('report\n');
      await waitFor(() => report !== undefined, 'the subscriber’s report', 30_000);
      return report!;
    },
  };
}

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
  cutAt: number;
  detectedAt: number;
  reason: string;
  resubscribedAt: number;
}

describe.skipIf(!redis)('a slow subscriber under a tight pubsub output buffer limit', () => {
  let publisher: Bus<Defs> | undefined;
  let child: ReturnType<typeof subscriber> | undefined;
  afterEach(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGCONT');
      child.proc.kill('SIGKILL');
    }
    await publisher?.stop();
  });

  it(
    'is disconnected by Redis, notices, resubscribes, and is told exactly what it lost',
    async () => {
      const { server, log } = redis!;
      const prefix = runPrefix();
      const sub = subscriber(server.url, prefix);
      child = sub;
      await waitFor(() => sub.ready, `the subscriber to start (${sub.stderr})`, 30_000);
      const pub = createBus({
        registry,
        keys,
        nodeId: 'pub',
        transport: redisTransport({ url: server.url, prefix }),
      });
      publisher = pub;
      await pub.start();
      const gaps: Gap[] = [];
      const expectedMs = rounds * 2 * (steadyMs + slowPhaseMs + 15_000);
      const ledger = new Ledger('pub', gaps, (rate * expectedMs) / 1000);
      const load = startLoad(pub, [ledger], { rate, topic: TOPIC, maxInFlight: 2000 });
      const cuts = (): number => log().split(CUT_LINE).length - 1;

      const done: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const kind of ['stalled', 'cpu-bound'] as const) {
          await sleep(steadyMs);
          const before = cuts();
          const round: Round = {
            kind,
            start: Date.now(),
            cutAt: 0,
            detectedAt: 0,
            reason: '',
            resubscribedAt: 0,
          };
          if (kind === 'stalled') {
            sub.proc.kill('SIGSTOP');
            await waitFor(() => cuts() > before, 'Redis to cut the stalled subscriber', 30_000);
            round.cutAt = Date.now();
            await sleep(300);
            sub.proc.kill('SIGCONT');
          } else {
            sub.send(`slow ${slowHandlerMs} ${slowPhaseMs}`);
            await waitFor(() => cuts() > before, 'Redis to cut the slow subscriber', 30_000);
            round.cutAt = Date.now();
          }
          await waitFor(
            () => sub.next('resubscribed', round.cutAt) !== undefined,
            'the subscriber to resubscribe',
            30_000,
          );
          const down = sub.next('disconnected', round.start);
          round.detectedAt = down?.at ?? 0;
          round.reason = down?.detail?.reason ?? '';
          round.resubscribedAt = sub.next('resubscribed', round.cutAt)!.at;
          // A CPU-bound handler may be cut again while still slow: wait until it is fast again.
          if (kind === 'cpu-bound')
            await sleep(Math.max(0, round.start + slowPhaseMs - Date.now()));
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
      for (const [from, to] of report.ranges) for (let s = from; s <= to; s++) ledger.delivered(s);
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
                const p = placed[i];
                return [
                  [
                    `${i + 1}.${d.kind}`,
                    `detected ${duration(d.detectedAt - d.cutAt)} after the cut: ${d.reason}`,
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
    timeoutFor(rounds * 2 * (steadyMs + slowPhaseMs + 15_000)),
  );
});
