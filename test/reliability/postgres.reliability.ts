/**
 * PostgreSQL under a busy subscriber (issue 13, findings 1-3). A private server; two publishers,
 * each in its own OS process, at 1,000 msg/s each, numbering their messages as every scenario
 * does; one subscriber process whose handler burns CPU on every message:
 *
 * - postgres-slow-subscriber: 1.5 ms per message, so it takes ~650 msg/s of the 2,000 published.
 *   No fault is injected: a subscriber that is merely slow must not lose messages outside a gap
 *   (a busy event loop is not a dead server; a replaced connection's unread notifications are
 *   inside the gap).
 * - postgres-terminated-listener: 0.4 ms per message (it keeps up), and its LISTEN connection is
 *   killed with `pg_terminate_backend` several times (the pid from `status().detail.listenerPid`).
 *   What the old connection had not read, and what was committed while there was none, must be
 *   inside the gap.
 *
 * After the publishing, the subscriber works through its backlog (bounded by `drainTimeoutMs`),
 * then reports every delivery in the order it came. Each publisher's books must balance with 0
 * silent, 0 duplicates and 0 out of order: PostgreSQL promises per-publisher order
 * (docs/transports/postgres.md), so every delivery after a higher number of the same publisher
 * fails the row.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gap } from '../../src/index.js';
import { sleep } from '../support/ports.js';
import { waitFor, waitWhileProgressing } from './fixtures.js';
import { type Books, Ledger } from './ledger.js';
import { profile, SEED } from './profile.js';
import {
  bookPublishes,
  type PublisherProcess,
  type PublisherReport,
  startPublisher,
} from './publisher-process.js';
import {
  type Check,
  describeRecovery,
  duration,
  type Row,
  record,
  rowChecks,
  rowFrom,
} from './report.js';
import { pgPrefix, privatePostgres } from './servers.js';
import { type ChildReport, type SubscriberProcess, startSubscriber } from './subscriber-process.js';

const postgres = await privatePostgres();

/** What one scenario does and how long. */
interface Plan {
  readonly publishers: number;
  readonly rate: number;
  readonly workMs: number;
  readonly durationMs: number;
  readonly drainTimeoutMs: number;
}

/** One publisher's outcome at the subscriber. */
interface Outcome {
  readonly node: string;
  readonly publisher: PublisherReport;
  readonly ledger: Ledger;
  readonly books: Books;
  readonly row: Row;
  /** Up to 5 deliveries that came after a higher number: `#11 after #46`. */
  readonly reorders: readonly string[];
  /** Up to 5 silent numbers, with their publish times against the nearest gap. */
  readonly silentCases: readonly string[];
}

/** A whole run: the processes' reports and each publisher's books. */
interface RunResult {
  readonly outcomes: readonly Outcome[];
  readonly report: ChildReport;
  readonly drained: boolean;
  readonly drainMs: number;
  readonly publishedFor: number;
}

const timeoutFor = (p: Plan): number => p.durationMs + p.drainTimeoutMs + 180_000;

describe.skipIf(!postgres)('PostgreSQL with a busy subscriber in its own process', () => {
  let sub: SubscriberProcess | undefined;
  let pubs: PublisherProcess[] = [];
  let admin: pg.Client | undefined;
  afterEach(async () => {
    for (const child of [sub, ...pubs]) {
      if (child && child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
    sub = undefined;
    pubs = [];
    await admin?.end().catch(() => undefined);
    admin = undefined;
  });

  /**
   * Starts the subscriber and the publishers, publishes for `plan.durationMs` while `during` runs,
   * waits for the subscriber to drain, and books every message.
   */
  async function run(
    label: string,
    plan: Plan,
    during: (s: SubscriberProcess, started: number) => Promise<void>,
  ): Promise<RunResult> {
    const url = postgres!.url;
    const prefix = pgPrefix();
    const s = startSubscriber(url, prefix, { transport: 'postgres', workMs: plan.workMs });
    sub = s;
    await waitFor(() => s.ready, `the subscriber to start (${s.stderr})`, 60_000);
    pubs = Array.from({ length: plan.publishers }, (_, i) =>
      startPublisher('postgres', url, prefix, `pub-${String.fromCharCode(97 + i)}`, plan.rate),
    );
    for (const p of pubs) {
      await waitFor(() => p.ready, `publisher ${p.node} to start (${p.stderr})`, 60_000);
    }
    const started = Date.now();
    for (const p of pubs) p.start();
    await Promise.all([during(s, started), sleep(plan.durationMs)]);
    const reports = await Promise.all(pubs.map((p) => p.stop()));
    const publishedFor = Date.now() - started;

    // The backlog: until the last number of every publisher was delivered or refused (a message
    // that waited longer than freshness.maxPastMs is refused as expired), while that moves.
    const drainFrom = Date.now();
    const caughtUp = (): boolean =>
      reports.every((r) => (s.highestBy[r.node] ?? 0) >= r.result.issued);
    let drained = true;
    try {
      await waitWhileProgressing(
        () => caughtUp() || Date.now() - drainFrom > plan.drainTimeoutMs,
        () => s.delivered + s.refused,
        'the subscriber to work through its backlog',
        30_000,
      );
      drained = caughtUp();
    } catch {
      drained = false;
    }
    const drainMs = Date.now() - drainFrom;
    await sleep(500);
    const report = await s.report();
    s.send('stop');

    const gaps: Gap[] = [...report.gaps];
    const outcomes = reports.map((publisher): Outcome => {
      const node = publisher.node;
      const ledger = new Ledger(node, gaps, publisher.result.issued + 1);
      bookPublishes(ledger, publisher);
      const reorders: string[] = [];
      let highest = 0;
      for (const [from, to] of report.byNode[node] ?? []) {
        if (from < highest && reorders.length < 5) reorders.push(`#${from} after #${highest}`);
        for (let seq = from; seq <= to; seq++) ledger.delivered(seq);
        highest = Math.max(highest, to);
      }
      for (const [who, seq, reason] of report.refusals) {
        if (who === node) ledger.refused(seq, reason);
      }
      const books = ledger.finish();
      const row = rowFrom(`${label}, ${node}`, 'postgres', books, '');
      const silentCases = books.unexplainedSample
        .slice(0, 5)
        .map((seq) => silentCase(seq, ledger, gaps));
      return { node, publisher, ledger, books, row, reorders, silentCases };
    });
    return { outcomes, report, drained, drainMs, publishedFor };
  }

  /** The metrics and checks every PostgreSQL scenario shares. */
  function common(result: RunResult, plan: Plan) {
    const { outcomes, report } = result;
    const unbooked = Object.keys(report.byNode).filter(
      (node) => !outcomes.some((o) => o.node === node),
    );
    const metrics: Record<string, string | number | boolean> = {
      publishedForMs: result.publishedFor,
      drained: result.drained,
      drainMs: result.drainMs,
      gapsSignalled: report.gaps.length,
      gaps: report.gaps
        .slice(0, 6)
        .map((g) => `${g.reason} ${duration(g.to - g.from)}`)
        .join('; '),
      subscriberOverflowDrops: report.stats.overflowDrops,
      subscriberRefusals: report.stats.rejectedTotal,
    };
    for (const o of outcomes) {
      const r = o.publisher.result;
      metrics[`${o.node}.rate`] =
        `${r.okRate} msg/s taken, publish p50 ${r.publishP50Ms} ms, p99 ${r.publishP99Ms} ms`;
      if (o.reorders.length > 0) metrics[`${o.node}.outOfOrder`] = o.reorders.join(', ');
      if (o.silentCases.length > 0) metrics[`${o.node}.silent`] = o.silentCases.join('; ');
      if (o.publisher.unsettled.length > 0) {
        const clock = (seq: number): string =>
          new Date(o.publisher.t0 + o.publisher.start[seq - 1]!).toISOString().slice(11, 23);
        metrics[`${o.node}.unsettled`] =
          `${o.publisher.unsettled.length} publishes never settled: ${o.publisher.unsettled
            .slice(0, 5)
            .map((seq) => `#${seq} (started ${clock(seq)})`)
            .join(', ')}`;
      }
      if (o.books.rejectedOnReceive > 0) {
        metrics[`${o.node}.refusedOnReceive`] = JSON.stringify(o.books.rejectReasons);
      }
      if (o.publisher.rejections.length > 0) {
        metrics[`${o.node}.rejections`] = o.publisher.rejections.join(' | ');
      }
    }
    const checks: Check[] = [
      ...outcomes.flatMap((o) => rowChecks(o.row)),
      {
        name: `the subscriber drained its backlog (${duration(result.drainMs)}, at most ${duration(plan.drainTimeoutMs)})`,
        ok: result.drained,
      },
      ...outcomes.map((o) => ({
        name: `${o.node} published at ${o.publisher.result.issuedRate} ≥ ${Math.round(plan.rate * 0.9)} msg/s`,
        ok: o.publisher.result.issuedRate >= plan.rate * 0.9,
      })),
      {
        name: `no publish error but PUBLISH_FAILED (${outcomes.flatMap((o) => o.publisher.errors).length})`,
        ok: outcomes.every((o) => o.publisher.errors.length === 0),
      },
      {
        name: `no delivery from an unknown publisher (${unbooked.join(', ')})`,
        ok: unbooked.length === 0,
      },
    ];
    return { metrics, checks };
  }

  /** The assertions every PostgreSQL scenario shares. */
  function expectBooksBalance(result: RunResult, plan: Plan): void {
    for (const o of result.outcomes) {
      expect(o.publisher.errors, `${o.node}: publish errors`).toEqual([]);
      expect(o.row.silent, `${o.node}: silent drops (${o.silentCases.join('; ')})`).toBe(0);
      expect(o.row.duplicates, `${o.node}: duplicates`).toBe(0);
      expect(o.row.outOfOrder, `${o.node}: out of order (${o.reorders.join(', ')})`).toBe(0);
      expect(o.row.anomalies, `${o.node}: anomalies`).toEqual({});
      expect(o.publisher.result.issuedRate).toBeGreaterThanOrEqual(plan.rate * 0.9);
    }
    expect(result.drained, 'the subscriber drained its backlog').toBe(true);
    expect(Object.keys(result.report.byNode).sort()).toEqual(
      result.outcomes.map((o) => o.node).sort(),
    );
  }

  const slow = profile.postgresSlowSubscriber;
  it(
    'a subscriber slower than the stream loses nothing outside a gap, and keeps each publisher’s order',
    async () => {
      const result = await run(`${slow.workMs} ms per message`, slow, async () => undefined);
      const disconnects = sub!.events.filter((e) => e.name === 'disconnected');
      const recoveries = disconnects.flatMap((d) => {
        const back = sub!.next('resubscribed', d.at) ?? sub!.next('connected', d.at);
        return back ? [back.at - d.at] : [];
      });
      const recovery =
        disconnects.length === 0
          ? 'n/a (never disconnected)'
          : describeRecovery(recoveries, 'disconnects');
      const rows = result.outcomes.map((o) => ({ ...o.row, recovery }));
      const { metrics, checks } = common(result, slow);
      record(
        {
          name: 'postgres-slow-subscriber',
          title: `PostgreSQL: a subscriber burning ${slow.workMs} ms per message, ${slow.publishers} publisher processes at ${slow.rate} msg/s each`,
          rows,
          metrics: {
            ...metrics,
            subscriberRate: Math.round(
              result.outcomes.reduce((n, o) => n + o.books.delivered, 0) /
                ((result.publishedFor + result.drainMs) / 1000),
            ),
            disconnects: disconnects
              .slice(0, 5)
              .map((d) => `${new Date(d.at).toISOString().slice(11, 23)} ${d.detail?.reason ?? ''}`)
              .join(' | '),
          },
          checks,
          notes: [
            'no fault is injected: the subscriber is only slower than the stream, and works through its backlog after the publishing',
            'subscriberRate: messages its handler took per second, from the first publish to the end of the drain',
            'recovery: from a disconnect the subscriber reported to its resubscription (none is expected)',
            'out of order: deliveries that came after a higher number of the same publisher; PostgreSQL promises publish order, so it must be 0',
          ],
        },
        SEED,
      );
      expectBooksBalance(result, slow);
    },
    timeoutFor(slow),
  );

  const term = profile.postgresTerminatedListener;
  it(
    'a busy subscriber whose LISTEN connection is terminated loses nothing outside its gaps',
    async () => {
      admin = new pg.Client({ connectionString: postgres!.url });
      await admin.connect();
      const kills: { pid: number; at: number; newPid: number; backAt: number }[] = [];
      const result = await run(`${term.terminations} terminations`, term, async (s, started) => {
        for (let k = 1; k <= term.terminations; k++) {
          await sleep(
            Math.max(0, started + (term.durationMs * k) / (term.terminations + 1) - Date.now()),
          );
          // Only a LISTEN connection is killed: a pid reported just before the subscriber replaced
          // its connection may already belong to another backend (pids wrap on a busy machine).
          let pid = 0;
          let at = 0;
          for (let attempt = 1; pid === 0; attempt++) {
            await waitFor(() => s.listenerPid > 0 && s.up, 'the subscriber to listen', 30_000);
            at = Date.now();
            const killed = await admin!.query<{ ok: boolean }>(
              `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
                WHERE pid = $1 AND application_name = 'herald-listener'`,
              [s.listenerPid],
            );
            if (killed.rows[0]?.ok) pid = s.listenerPid;
            else if (attempt === 20) throw new Error(`no listener ${s.listenerPid} to terminate`);
            else await sleep(250);
          }
          await waitFor(
            () => s.listenerPid > 0 && s.listenerPid !== pid,
            `a new LISTEN connection after terminating ${pid}`,
            30_000,
          );
          const back = s.next('resubscribed', at) ?? s.next('connected', at);
          kills.push({ pid, at, newPid: s.listenerPid, backAt: back?.at ?? 0 });
        }
      });
      const recovery = describeRecovery(
        kills.filter((k) => k.backAt > 0).map((k) => k.backAt - k.at),
        'terminations',
      );
      const rows = result.outcomes.map((o) => ({ ...o.row, recovery }));
      const { metrics, checks } = common(result, term);
      const gapAfter = (at: number): Gap | undefined =>
        result.report.gaps.find((g) => g.to >= at && g.from <= at + 30_000);
      record(
        {
          name: 'postgres-terminated-listener',
          title: `PostgreSQL: a subscriber burning ${term.workMs} ms per message, its LISTEN connection terminated ${term.terminations} times; ${term.publishers} publisher processes at ${term.rate} msg/s each`,
          rows,
          metrics: {
            ...metrics,
            ...Object.fromEntries(
              kills.map((k, i) => {
                const g = gapAfter(k.at);
                return [
                  `kill${i + 1}`,
                  `pid ${k.pid} → ${k.newPid}; ${g ? `gap from kill ${signed(g.from - k.at)} to kill ${signed(g.to - k.at)} (${g.reason})` : 'no gap'}`,
                ];
              }),
            ),
          },
          checks: [
            ...checks,
            {
              name: `${kills.length} of ${term.terminations} terminations, each followed by a new listener and a gap`,
              ok: kills.length === term.terminations && kills.every((k) => gapAfter(k.at)),
            },
          ],
          notes: [
            'each termination: pg_terminate_backend on the pid the subscriber reports (status().detail.listenerPid), when pg_stat_activity shows it as a herald-listener, then a wait for a new one',
            'recovery: from the termination to the subscriber’s resubscription',
            'kill<n>: the first gap the subscriber signalled that ends after the termination, its from and to relative to the termination',
            'out of order: deliveries that came after a higher number of the same publisher; PostgreSQL promises publish order, so it must be 0',
          ],
        },
        SEED,
      );
      expectBooksBalance(result, term);
      expect(kills).toHaveLength(term.terminations);
      for (const k of kills) expect(gapAfter(k.at), `a gap for the kill of ${k.pid}`).toBeDefined();
    },
    timeoutFor(term),
  );
});

/** `#123 published 10:00:01.234-.240, 85 ms after gap …-… (reason)`, or `… no gap`. */
function silentCase(seq: number, ledger: Ledger, gaps: readonly Gap[]): string {
  const at = ledger.publishedAt(seq);
  if (!at) return `#${seq}`;
  const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
  const nearest = [...gaps].sort(
    (a, b) => distance(a, at.start, at.end) - distance(b, at.start, at.end),
  )[0];
  const where = nearest
    ? `${Math.round(distance(nearest, at.start, at.end))} ms ${at.start > nearest.to ? 'after' : 'before'} gap ${clock(nearest.from)}-${clock(nearest.to)} (${nearest.reason})`
    : 'no gap at all';
  return `#${seq} published ${clock(at.start)}-${clock(at.end)}, ${where}`;
}

/** `+12 ms`, `-3 ms`. */
const signed = (ms: number): string => `${ms >= 0 ? '+' : '-'}${duration(Math.abs(ms))}`;

/** How far a publish [start, end] lies outside gap `g`, in ms (0 when they overlap). */
function distance(g: Gap, start: number, end: number): number {
  if (end < g.from) return g.from - end;
  if (start > g.to) return start - g.to;
  return 0;
}
