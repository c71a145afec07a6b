/**
 * Presence across three separate Node processes, over Redis and over PostgreSQL (real servers;
 * with CI=true an unreachable server fails the file). Short periods: a heartbeat of 200 ms, a
 * down period of 1.5 s. Each test prints what it measured: `[presence] <transport> <what> <ms>`.
 *
 * - SIGKILL one node: its presences leave on the others within the down period.
 * - SIGSTOP one node past the down period, then SIGCONT: its presences leave, then join again,
 *   and all three converge to the same set within 2 heartbeats of the SIGCONT.
 * - Restart a node with the same id (after SIGKILL): the old presences are gone at once, long
 *   before any down period (no ghosts), and the new ones appear.
 * - A graceful stop: its presences leave everywhere at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newRunId } from '../../src/testing/registry.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import {
  type ClusterConfig,
  expectedLines,
  listingReaches,
  lists,
  type NodeProcess,
  sleep,
  spawnNode,
} from './support/cluster.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
// Down period 10 heartbeats (Phoenix: 20): short enough for a test, long enough that a CI machine
// running other test files in parallel does not miss a whole down period of heartbeats.
const TIMINGS = { heartbeatMs: 250, downAfterMs: 2500, permdownAfterMs: 60_000 };
const ALL = expectedLines({ n0: [['u0', 'N0']], n1: [['u1', 'N1']], n2: [['u2', 'N2']] });
const WITHOUT_N2 = expectedLines({ n0: [['u0', 'N0']], n1: [['u1', 'N1']] });

const report = (transport: string, what: string, ms: number): void => {
  console.log(`[presence] ${transport.padEnd(8)} ${what.padEnd(46)} ${String(ms).padStart(5)} ms`);
};

const services = [
  ['redis', redis],
  ['postgres', postgres],
] as const;

for (const [transport, service] of services) {
  describe.skipIf(!service.ok)(`presence across three processes over ${transport}`, () => {
    const running: NodeProcess[] = [];
    afterEach(() => {
      for (const node of running.splice(0)) {
        if (node.proc.exitCode === null) {
          node.proc.kill('SIGCONT');
          node.proc.kill('SIGKILL');
        }
      }
    });

    const config = (timings = TIMINGS): ClusterConfig => ({
      transport,
      url: service.url,
      namespace: `hp_${newRunId()}`,
      timings,
    });

    /** Three nodes, each tracking its own key; resolves once all three list all three. */
    async function cluster(cfg: ClusterConfig): Promise<NodeProcess[]> {
      const nodes = await Promise.all(['n0', 'n1', 'n2'].map((id) => spawnNode(cfg, id)));
      running.push(...nodes);
      const since = Date.now();
      for (const [i, node] of nodes.entries())
        node.send({ cmd: 'track', key: `u${i}`, name: `N${i}` });
      await Promise.all(nodes.map((node) => listingReaches(node, ALL, since - 1000)));
      return nodes;
    }

    it('makes a SIGKILLed node’s presences leave everywhere within the down period', async () => {
      const [n0, n1, n2] = (await cluster(config())) as [NodeProcess, NodeProcess, NodeProcess];
      const killed = Date.now();
      n2.proc.kill('SIGKILL');
      const gone = await Promise.all([n0, n1].map((n) => listingReaches(n, WITHOUT_N2, killed)));
      const times = gone.map((line) => line.at - killed);
      report(transport, 'SIGKILL → leave on the other nodes (max)', Math.max(...times));
      for (const ms of times) {
        // Not before the down period (counted from its last heartbeat), and not long after it.
        expect(ms).toBeGreaterThanOrEqual(TIMINGS.downAfterMs - TIMINGS.heartbeatMs);
        expect(ms).toBeLessThanOrEqual(TIMINGS.downAfterMs + 2 * TIMINGS.heartbeatMs + 300);
      }
    }, 60_000);

    it('after SIGSTOP past the down period and SIGCONT, emits leaves then joins and converges within 2 heartbeats', async () => {
      const [n0, n1, n2] = (await cluster(config())) as [NodeProcess, NodeProcess, NodeProcess];
      const before = [n0, n1].map((n) => n.lines.length);
      const stopped = Date.now();
      n2.proc.kill('SIGSTOP');
      const left = await Promise.all([n0, n1].map((n) => listingReaches(n, WITHOUT_N2, stopped)));
      report(
        transport,
        'SIGSTOP → leave on the other nodes (max)',
        Math.max(...left.map((l) => l.at - stopped)),
      );
      await sleep(Math.max(0, stopped + TIMINGS.downAfterMs + 500 - Date.now()));
      const resumed = Date.now();
      n2.proc.kill('SIGCONT');
      const back = await Promise.all([n0, n1].map((n) => listingReaches(n, ALL, resumed)));
      const convergence = Math.max(...back.map((line) => line.at - resumed));
      // The frozen node never declared its peers dead: its listing stayed whole.
      await sleep(2 * TIMINGS.heartbeatMs);
      expect(lists(n2, ALL)).toBe(true);
      expect(n2.lines.some((l) => l.t === 'event' && (l.leaves?.length ?? 0) > 0)).toBe(false);
      for (const node of [n0, n1, n2]) expect(lists(node, ALL)).toBe(true);
      report(transport, 'SIGCONT → all three nodes converged', convergence);
      expect(convergence).toBeLessThanOrEqual(2 * TIMINGS.heartbeatMs);
      for (const [i, node] of [n0, n1].entries()) {
        const u2 = node.lines
          .slice(before[i])
          .filter((l) => l.t === 'event' && (l.joins?.includes('u2') || l.leaves?.includes('u2')));
        expect(u2.map((l) => (l.leaves?.includes('u2') ? 'leave' : 'join'))).toEqual([
          'leave',
          'join',
        ]);
      }
    }, 60_000);

    it('restarting a node with the same id leaves no ghost, long before the down period', async () => {
      // A down period far longer than the test: only the epoch can remove the old presences.
      const cfg = config({ ...TIMINGS, downAfterMs: 30_000 });
      const [n0, n1, n2] = (await cluster(cfg)) as [NodeProcess, NodeProcess, NodeProcess];
      const killed = Date.now();
      n2.proc.kill('SIGKILL');
      await n2.exited;
      const again = await spawnNode(cfg, 'n2');
      running.push(again);
      const ready = again.lines[0]?.at ?? Date.now();
      again.send({ cmd: 'track', key: 'u2b', name: 'N2 again' });
      const want = expectedLines({
        n0: [['u0', 'N0']],
        n1: [['u1', 'N1']],
        n2: [['u2b', 'N2 again']],
      });
      const seen = await Promise.all([n0, n1, again].map((n) => listingReaches(n, want, killed)));
      const purge = Math.max(...seen.map((line) => line.at - ready));
      report(transport, 'restart (same id) → old gone, new listed', purge);
      expect(Math.max(...seen.map((line) => line.at)) - killed).toBeLessThan(
        cfg.timings.downAfterMs,
      );
      expect(purge).toBeLessThanOrEqual(2 * TIMINGS.heartbeatMs + 300);
      // No listing on the old nodes ever held both epochs' presences of n2.
      for (const node of [n0, n1]) {
        const both = node.lines.some(
          (l) =>
            l.lines?.some((x) => x.startsWith('n2/u2/')) &&
            l.lines?.some((x) => x.startsWith('n2/u2b/')),
        );
        expect(both).toBe(false);
      }
    }, 60_000);

    it('removes a gracefully stopped node’s presences everywhere at once', async () => {
      const [n0, n1, n2] = (await cluster(config())) as [NodeProcess, NodeProcess, NodeProcess];
      const asked = Date.now();
      n2.send({ cmd: 'stop' });
      const gone = await Promise.all([n0, n1].map((n) => listingReaches(n, WITHOUT_N2, asked)));
      const ms = Math.max(...gone.map((line) => line.at - asked));
      report(transport, 'graceful stop → leave on the other nodes', ms);
      expect(ms).toBeLessThan(TIMINGS.heartbeatMs);
      expect(await n2.exited).toBe(0);
    }, 60_000);
  });
}
