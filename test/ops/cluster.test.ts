/**
 * The operations broadcaster across three separate Node processes, over Redis and over
 * PostgreSQL (real servers; with CI=true an unreachable server fails the file): a dashboard
 * subscribed to the template `health:node:{node}` and to `health:cluster`, and two nodes running
 * the broadcaster with short periods (SETTINGS). It asserts, and prints as
 * `[ops] <transport> <what> <ms>`:
 *
 * - a node that starts is seen by the dashboard (its first health report, through the template)
 *   within one health interval of its start;
 * - a node killed with SIGKILL is reported lost, by name, in `health:cluster` within presence's
 *   bound: not before `downAfterMs - heartbeatMs` after the kill, and not after
 *   `downAfterMs + 2 × heartbeatMs + 300 ms` (docs/presence.md: the down period counts from its
 *   last heartbeat, each peer checks once per heartbeat, plus slack for timers on a busy machine);
 * - a node stopped gracefully leaves the cluster without being reported lost.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { newRunId } from '../../src/testing/registry.js';
import { type ChildNode, spawnTsx } from '../support/child.js';
import { requirePostgres, requireRedis } from '../support/services.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
const script = fileURLToPath(new URL('./cluster.child.ts', import.meta.url));
const SETTINGS = {
  healthIntervalMs: 1_000,
  presence: { heartbeatMs: 250, downAfterMs: 2_500, permdownAfterMs: 60_000 },
};

interface Line {
  readonly node: string;
  readonly at: number;
  readonly t: string;
  readonly of?: string;
  readonly reporter?: string;
  readonly up?: string[];
  readonly lost?: string[];
}

const parse = (child: ChildNode): Line[] =>
  child.lines.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Line] : []));

/**
 * The first line of `child` from position `from` that passes `test`, waiting up to `ms` (a child
 * takes seconds to start under tsx on a loaded machine; no timing is measured across that).
 */
async function line(
  child: ChildNode,
  test: (l: Line) => boolean,
  what: string,
  ms = 60_000,
  from = 0,
): Promise<Line & { index: number }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = parse(child);
    for (let i = from; i < lines.length; i++) {
      const l = lines[i] as Line;
      if (test(l)) return { ...l, index: i };
    }
    if (Date.now() > deadline)
      throw new Error(`no ${what} within ${ms} ms: ${child.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const report = (transport: string, what: string, ms: number): void => {
  console.log(`[ops] ${transport.padEnd(8)} ${what.padEnd(52)} ${String(ms).padStart(5)} ms`);
};

const services = [
  ['redis', redis],
  ['postgres', postgres],
] as const;

for (const [transport, service] of services) {
  describe.skipIf(!service.ok)(
    `the operations broadcaster across three processes over ${transport}`,
    () => {
      const running: ChildNode[] = [];
      afterEach(() => {
        for (const child of running.splice(0))
          if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
      });

      const spawn = (namespace: string, id: string, role: 'node' | 'dashboard'): ChildNode => {
        const child = spawnTsx(
          script,
          [transport, service.url, id, namespace, role, JSON.stringify(SETTINGS)],
          id,
        );
        running.push(child);
        return child;
      };

      it('shows a new node within one health interval and a SIGKILLed node lost within the presence bound', async () => {
        const namespace = `ops_${newRunId()}`;
        const dashboard = spawn(namespace, 'dash', 'dashboard');
        await line(dashboard, (l) => l.t === 'ready', 'dashboard ready');

        const seen: Record<string, number> = {};
        const nodes: Record<string, ChildNode> = {};
        for (const id of ['ops-a', 'ops-b']) {
          nodes[id] = spawn(namespace, id, 'node');
          const ready = await line(nodes[id], (l) => l.t === 'ready', `${id} ready`);
          const health = await line(
            dashboard,
            (l) => l.t === 'health' && l.of === id,
            `${id} health`,
          );
          seen[id] = health.at - ready.at;
          report(transport, `start of ${id} → its health on the dashboard`, seen[id]);
          expect(seen[id]).toBeLessThanOrEqual(SETTINGS.healthIntervalMs);
        }
        // Both nodes report a cluster of two, neither lost.
        const both = await line(
          dashboard,
          (l) => l.t === 'cluster' && l.reporter === 'ops-a' && l.up?.join() === 'ops-a,ops-b',
          'a cluster of two',
        );
        expect(both.lost).toEqual([]);

        const killed = Date.now();
        nodes['ops-b']?.proc.kill('SIGKILL');
        const lost = await line(
          dashboard,
          (l) => l.t === 'cluster' && (l.lost ?? []).includes('ops-b'),
          'ops-b lost',
          15_000,
          both.index,
        );
        const ms = lost.at - killed;
        report(transport, 'SIGKILL of ops-b → reported lost in health:cluster', ms);
        const { heartbeatMs, downAfterMs } = SETTINGS.presence;
        expect(lost).toMatchObject({ reporter: 'ops-a', up: ['ops-a'], lost: ['ops-b'] });
        expect(ms).toBeGreaterThanOrEqual(downAfterMs - heartbeatMs);
        expect(ms).toBeLessThanOrEqual(downAfterMs + 2 * heartbeatMs + 300);
      }, 180_000);

      it('reports a node stopped gracefully as gone, not lost', async () => {
        const namespace = `ops_${newRunId()}`;
        const dashboard = spawn(namespace, 'dash', 'dashboard');
        await line(dashboard, (l) => l.t === 'ready', 'dashboard ready');
        const a = spawn(namespace, 'ops-a', 'node');
        const b = spawn(namespace, 'ops-b', 'node');
        for (const child of [a, b]) await line(child, (l) => l.t === 'ready', 'ready');
        const both = await line(
          dashboard,
          (l) => l.t === 'cluster' && l.reporter === 'ops-a' && l.up?.join() === 'ops-a,ops-b',
          'a cluster of two',
        );
        const asked = Date.now();
        b.proc.stdin.write('stop\n');
        expect(await b.exited()).toBe(0);
        const alone = await line(
          dashboard,
          (l) => l.t === 'cluster' && l.reporter === 'ops-a' && l.up?.join() === 'ops-a',
          'a cluster of one',
          5_000,
          both.index,
        );
        report(transport, 'graceful stop of ops-b → gone from health:cluster', alone.at - asked);
        expect(alone.lost).toEqual([]);
        expect(alone.at - asked).toBeLessThan(
          SETTINGS.presence.downAfterMs - SETTINGS.presence.heartbeatMs,
        );
      }, 180_000);
    },
  );
}
