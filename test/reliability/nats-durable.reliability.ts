/**
 * NATS JetStream, a durable topic under faults, on a private nats-server (-js, its own store
 * dir). A publisher streams at a steady rate to the durable topic `orders:eu`, read by the durable
 * consumer `billing` in a subscriber process (test/fault/nats-durable.child.ts). Two cases:
 * - the subscriber process is SIGKILLed and started again (the server stays up);
 * - the server is SIGKILLed and restarted on its store (the subscriber stays up).
 * Every publish that resolved must be handled (zero silent; zero gaps: nothing is lost, so none is
 * signalled), and no message may run its handler twice but inside the documented window of a
 * killed process (its handler finished, its handled-id record not yet stored by the server when
 * the kill landed: counted apart as reRunInWindow, read from the record stream). A server crash
 * followed by a subscriber crash before it caught up is test/fault/nats-durable.test.ts.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  busFactory,
  newPrefix,
  readHandledRecord,
  until,
} from '../adapters/nats-durable.helpers.js';
import { type ChildNode, spawnTsx } from '../support/child.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';
import { sleep } from '../support/ports.js';
import { inCI } from '../support/services.js';
import { MODE, SEED } from './profile.js';
import { type Check, describeRecovery, type Row, record, rowChecks } from './report.js';

const full = MODE === 'full';
const BASE = { rate: 250, durationMs: full ? 40_000 : 12_000, downMs: 1000, serverDownMs: 2000 };
/** When the faults come, in ms from the start of each case. */
const CASES = [
  { ...BASE, subscriberKills: full ? [5_000, 15_000, 25_000, 35_000] : [3_000, 8_000] },
  { ...BASE, serverKills: full ? [5_000, 20_000, 35_000] : [4_000] },
] as const;
type Plan = {
  readonly rate: number;
  readonly durationMs: number;
  readonly downMs: number;
  readonly serverDownMs: number;
  readonly subscriberKills?: readonly number[];
  readonly serverKills?: readonly number[];
};
const child = fileURLToPath(new URL('../fault/nats-durable.child.ts', import.meta.url));

const server = await startNatsServer().catch((error: unknown) => {
  const problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start nats-server -js: ${problem}`);
  console.warn(`!! SKIPPING the NATS durable scenario: ${problem}`);
  return undefined;
});
const children: ChildNode[] = [];

/** `handled <n> <id>` lines of some subscriber processes, as ids. */
const handledIds = (of: readonly ChildNode[]): string[] =>
  of.flatMap((c) => c.lines.filter((l) => l.startsWith('handled ')).map((l) => l.split(' ')[2]!));

/**
 * Re-runs inside the window: an id run again after the process that ran it first was killed
 * before the server stored its record. One stored before that kill makes the re-run a duplicate.
 */
async function reRunsInWindow(
  nats: NatsServer,
  prefix: string,
  mine: readonly ChildNode[],
  killedAt: ReadonlyMap<ChildNode, number>,
  runs: ReadonlyMap<string, number>,
): Promise<number> {
  const record = await readHandledRecord(nats.url, prefix, 'orders:eu', 'billing');
  const storedAt = new Map<string, number>();
  for (const e of record)
    storedAt.set(e.id, Math.min(storedAt.get(e.id) ?? e.storedAt, e.storedAt));
  let inWindow = 0;
  for (const [id, count] of runs) {
    if (count < 2) continue;
    const firstBy = mine.find((c) => handledIds([c]).includes(id));
    const kill = firstBy === undefined ? undefined : killedAt.get(firstBy);
    if (kill !== undefined && (storedAt.get(id) ?? Infinity) > kill) inWindow += count - 1;
  }
  return inWindow;
}

/** Runs one case; returns its row and the re-runs inside the documented window. */
async function runCase(nats: NatsServer, plan: Plan): Promise<{ row: Row; reRunInWindow: number }> {
  const f = busFactory(nats.url);
  const prefix = newPrefix();
  const publisher = await f.bus('pub', prefix, { freshness: { maxPastMs: 120_000 } });
  const mine: ChildNode[] = [];
  const start = (): ChildNode => {
    const c = spawnTsx(child, [`sub-${children.length}`, nats.url, prefix], 'durable-sub');
    children.push(c);
    mine.push(c);
    return c;
  };
  let current = start();
  await until(() => current.lines.includes('ready'), 'the subscriber', 30_000);
  const stored = new Set<string>();
  let rejected = 0;
  const began = Date.now();
  const recoveries: number[] = [];
  const killedAt = new Map<ChildNode, number>();
  const faults = [
    ...(plan.subscriberKills ?? []).map((at) => ({ at, kind: 'subscriber' as const })),
    ...(plan.serverKills ?? []).map((at) => ({ at, kind: 'server' as const })),
  ];
  const faulting = (async () => {
    for (const fault of faults) {
      await sleep(Math.max(0, began + fault.at - Date.now()));
      if (fault.kind === 'server') {
        await nats.kill('SIGKILL');
        await sleep(plan.serverDownMs);
        const restartedAt = Date.now();
        const before = handledIds(mine).length;
        await nats.restart();
        void until(() => handledIds(mine).length > before, 'handled again', 60_000)
          .then(() => recoveries.push(Date.now() - restartedAt))
          .catch(() => undefined);
        continue;
      }
      killedAt.set(current, Date.now());
      current.proc.kill('SIGKILL');
      await current.exited();
      await sleep(plan.downMs);
      const restartedAt = Date.now();
      const next = start();
      current = next;
      void until(() => handledIds([next]).length > 0, 'first handled', 60_000)
        .then(() => recoveries.push(Date.now() - restartedAt))
        .catch(() => undefined);
    }
  })();
  const every = 1000 / plan.rate;
  for (let n = 0; Date.now() - began < plan.durationMs; n++) {
    const due = began + n * every;
    if (due > Date.now()) await sleep(due - Date.now());
    await publisher.broadcast('orders:eu', 'placed', { n }).then(
      (r) => void stored.add(r.id),
      () => void rejected++,
    );
  }
  await faulting;
  await until(
    () => {
      const seen = new Set(handledIds(mine));
      return [...stored].every((id) => seen.has(id));
    },
    'every stored message handled',
    90_000,
  ).catch(() => undefined);
  await sleep(2000); // past the ack wait: a late redelivery would show now
  const runs = new Map<string, number>();
  for (const id of handledIds(mine)) runs.set(id, (runs.get(id) ?? 0) + 1);
  const reRunInWindow = await reRunsInWindow(nats, prefix, mine, killedAt, runs);
  const extra = [...runs.values()].reduce((sum, n) => sum + n - 1, 0) - reRunInWindow;
  const inDoubt = [...runs.keys()].filter((id) => !stored.has(id)).length;
  current.proc.kill('SIGKILL');
  await f.stopAll();
  const kills = plan.subscriberKills?.length ?? 0;
  const serverKills = plan.serverKills?.length ?? 0;
  const row: Row = {
    case: kills > 0 ? `subscriber SIGKILLed ${kills}×` : `server SIGKILLed ${serverKills}×`,
    transport: 'nats-jetstream',
    sent: stored.size + rejected,
    delivered: [...stored].filter((id) => runs.has(id)).length + inDoubt,
    rejected: rejected - inDoubt,
    inGaps: 0,
    slack: 0,
    policyDrops: 0,
    silent: [...stored].filter((id) => !runs.has(id)).length,
    duplicates: extra,
    duplicatesRemoved: 0,
    outOfOrder: 0,
    ordered: false,
    recovery: describeRecovery(recoveries, kills > 0 ? 'subscriber restarts' : 'server restarts'),
    anomalies: {},
    slackCases: [],
  };
  return { row, reRunInWindow };
}

describe.skipIf(!server)('NATS durable topic: subscriber and server killed under load', () => {
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await server?.stop();
  });

  it('handles every stored message once, with no gap, across SIGKILLs of the subscriber and of the server', async () => {
    const nats = server as NatsServer;
    const results = [];
    for (const plan of CASES) results.push(await runCase(nats, plan));
    const rows = results.map((r) => r.row);
    const kills = CASES[0].subscriberKills.length;
    const reRunInWindow = results[0]!.reRunInWindow + results[1]!.reRunInWindow;
    const checks: Check[] = [
      ...rows.flatMap(rowChecks),
      {
        name: `re-runs inside the window (handler finished, record not stored) ${reRunInWindow} ≤ ${kills} kills`,
        ok: reRunInWindow <= kills,
      },
    ];
    record(
      {
        name: 'nats-durable',
        title: `NATS JetStream durable topic at ${BASE.rate} msg/s: the durable subscriber process SIGKILLed and restarted; the server SIGKILLed and restarted on its store`,
        rows,
        metrics: { rate: BASE.rate, durationMs: BASE.durationMs, reRunInWindow, gapsSignalled: 0 },
        checks,
        notes: [
          'delivered: publishes that resolved (stored) whose handler ran, plus publishes that rejected on a timeout although the server had stored them (in doubt, never silent)',
          'duplicates: handler runs beyond one, except those inside the window of a killed subscriber: its handler finished, its handled-id record not yet stored when the kill landed (reRunInWindow, read from the record stream)',
          'recovery: from starting the new subscriber process (or the server) to the next handled message',
        ],
      },
      SEED,
    );
    for (const row of rows) {
      expect(row.silent, `${row.case}: silent`).toBe(0);
      expect(row.duplicates, `${row.case}: duplicates`).toBe(0);
    }
    expect(reRunInWindow).toBeLessThanOrEqual(kills);
    expect(rows[1]!.rejected + rows[1]!.delivered).toBe(rows[1]!.sent);
  }, 300_000);
});
