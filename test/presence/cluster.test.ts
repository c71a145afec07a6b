/**
 * Presence across three separate Node processes, over Redis and over PostgreSQL (real servers;
 * with CI=true an unreachable server fails the file). Short periods: a heartbeat of 250 ms, a
 * down period of 2.5 s (TIMINGS). Each test prints what it measured:
 * `[presence] <transport> <what> <ms>`.
 *
 * - SIGKILL one node: its presences leave on the others between `downAfterMs - heartbeatMs` and
 *   `downAfterMs + 2 × heartbeatMs + 300 ms` after the kill (the down period counts from its last
 *   heartbeat; the rest is slack for timers on a busy machine), and nothing changes before.
 * - SIGSTOP one node past the down period, then SIGCONT: its presences leave, then join again,
 *   and all three converge to the same set within 2 heartbeats of the SIGCONT.
 * - Restart a node with the same id (after SIGKILL): the old presences are gone at once, long
 *   before any down period (no ghosts), and the new ones appear.
 * - An update, then an untrack, on one node: each reaches all three nodes, as one diff, within
 *   2 heartbeats.
 * - A graceful stop: its presences leave everywhere at once (within one heartbeat).
 *
 * Every wait starts from a position in a node's printed lines (just after its converged listing,
 * say), never from a time: see support/cluster.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newRunId } from '../../src/testing/registry.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import {
  type ClusterConfig,
  eventsFrom,
  expectedLines,
  listingReaches,
  lists,
  type NodeLine,
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

const UPDATED = expectedLines({
  n0: [['u0', 'N0']],
  n1: [['u1', 'N1 away']],
  n2: [['u2', 'N2']],
});
const WITHOUT_U1 = expectedLines({ n0: [['u0', 'N0']], n2: [['u2', 'N2']] });

const report = (transport: string, what: string, ms: number): void => {
  console.log(`[presence] ${transport.padEnd(8)} ${what.padEnd(46)} ${String(ms).padStart(5)} ms`);
};

/** Every listing the nodes printed, in ms from `t0`, with the converged position: for failures. */
const historyOf = (nodes: NodeProcess[], settled: number[], t0: number): string =>
  `listings (ms from the action; converged before position "settled"): ${JSON.stringify(
    nodes.map((n, i) => ({
      node: n.id,
      settled: settled[i],
      events: n.lines.flatMap((l, at) => (l.t === 'event' ? [[at, l.at - t0, l.lines]] : [])),
    })),
  )}`;

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

    /**
     * Three nodes, each tracking its own key; resolves once all three list all three, with the
     * position in each node's lines just after its first full listing (`settled`). Whatever a
     * node printed before that position — its intermediate listings, such as n0 and n1 alone —
     * can never be mistaken for what a test does next, even when printed in the same millisecond.
     */
    async function cluster(cfg: ClusterConfig) {
      const nodes = await Promise.all(['n0', 'n1', 'n2'].map((id) => spawnNode(cfg, id)));
      running.push(...nodes);
      for (const [i, node] of nodes.entries())
        node.send({ cmd: 'track', key: `u${i}`, name: `N${i}` });
      const full = await Promise.all(nodes.map((node) => listingReaches(node, ALL, 0)));
      const settled = nodes.map((node, i) => node.after(full[i] as NodeLine));
      return { nodes: nodes as [NodeProcess, NodeProcess, NodeProcess], settled };
    }

    it('makes a SIGKILLed node’s presences leave everywhere within the down period', async () => {
      const { nodes, settled } = await cluster(config());
      const [n0, n1, n2] = nodes;
      const killed = Date.now();
      n2.proc.kill('SIGKILL');
      const gone = await Promise.all(
        [n0, n1].map((n, i) => listingReaches(n, WITHOUT_N2, settled[i] as number)),
      );
      const times = gone.map((line) => line.at - killed);
      report(transport, 'SIGKILL → leave on the other nodes (max)', Math.max(...times));
      const history = historyOf(nodes, settled, killed);
      for (const [i, node] of [n0, n1].entries()) {
        // The leave is the first change after convergence (no phantom leave or join before it)…
        expect(eventsFrom(node, settled[i] as number)[0], history).toBe(gone[i]);
        const ms = times[i] as number;
        // …not before the down period (counted from its last heartbeat), and not long after it.
        expect(ms, history).toBeGreaterThanOrEqual(TIMINGS.downAfterMs - TIMINGS.heartbeatMs);
        expect(ms, history).toBeLessThanOrEqual(
          TIMINGS.downAfterMs + 2 * TIMINGS.heartbeatMs + 300,
        );
      }
    }, 60_000);

    it('after SIGSTOP past the down period and SIGCONT, emits leaves then joins and converges within 2 heartbeats', async () => {
      const { nodes, settled } = await cluster(config());
      const [n0, n1, n2] = nodes;
      const stopped = Date.now();
      n2.proc.kill('SIGSTOP');
      const left = await Promise.all(
        [n0, n1].map((n, i) => listingReaches(n, WITHOUT_N2, settled[i] as number)),
      );
      report(
        transport,
        'SIGSTOP → leave on the other nodes (max)',
        Math.max(...left.map((l) => l.at - stopped)),
      );
      await sleep(Math.max(0, stopped + TIMINGS.downAfterMs + 500 - Date.now()));
      const resumed = Date.now();
      n2.proc.kill('SIGCONT');
      const back = await Promise.all(
        [n0, n1].map((n, i) => listingReaches(n, ALL, n.after(left[i] as NodeLine))),
      );
      const convergence = Math.max(...back.map((line) => line.at - resumed));
      // The frozen node never declared its peers dead: its listing stayed whole.
      await sleep(2 * TIMINGS.heartbeatMs);
      expect(lists(n2, ALL)).toBe(true);
      expect(n2.lines.some((l) => l.t === 'event' && (l.leaves?.length ?? 0) > 0)).toBe(false);
      for (const node of [n0, n1, n2]) expect(lists(node, ALL)).toBe(true);
      report(transport, 'SIGCONT → all three nodes converged', convergence);
      expect(convergence).toBeLessThanOrEqual(2 * TIMINGS.heartbeatMs);
      for (const [i, node] of [n0, n1].entries()) {
        const u2 = eventsFrom(node, settled[i] as number).filter(
          (l) => l.joins?.includes('u2') || l.leaves?.includes('u2'),
        );
        expect(u2.map((l) => (l.leaves?.includes('u2') ? 'leave' : 'join'))).toEqual([
          'leave',
          'join',
        ]);
      }
    }, 60_000);

    it('restarting a node with the same id leaves no ghost, long before the down period', async () => {
      // A down period far longer than the test: only the epoch can remove the old presences.
      const cfg = config({ ...TIMINGS, downAfterMs: 30_000 });
      const { nodes, settled } = await cluster(cfg);
      const [n0, n1, n2] = nodes;
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
      const seen = await Promise.all([
        listingReaches(n0, want, settled[0] as number),
        listingReaches(n1, want, settled[1] as number),
        listingReaches(again, want, 0),
      ]);
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

    it('converges an update, then an untrack, made on one node on all three nodes within 2 heartbeats', async () => {
      const { nodes, settled } = await cluster(config());
      const n1 = nodes[1];
      const updated = Date.now();
      n1.send({ cmd: 'update', key: 'u1', name: 'N1 away' });
      const up = await Promise.all(
        nodes.map((n, i) => listingReaches(n, UPDATED, settled[i] as number)),
      );
      const updateMs = Math.max(...up.map((line) => line.at - updated));
      report(transport, 'update on one node → listed on all three', updateMs);
      const upOk = await n1.waitFor((l) => l.t === 'ok' && l.cmd === 'update');
      expect(upOk.ref).toMatch(/^n1\./);

      const untracked = Date.now();
      n1.send({ cmd: 'untrack', key: 'u1' });
      const after = up.map((line, i) => (nodes[i] as NodeProcess).after(line));
      const gone = await Promise.all(
        nodes.map((n, i) => listingReaches(n, WITHOUT_U1, after[i] as number)),
      );
      const untrackMs = Math.max(...gone.map((line) => line.at - untracked));
      report(transport, 'untrack on one node → gone on all three', untrackMs);
      const downOk = await n1.waitFor((l) => l.t === 'ok' && l.cmd === 'untrack');
      expect(downOk.was).toBe(true);

      const history = historyOf(nodes, settled, updated);
      for (const [i, node] of nodes.entries()) {
        // Each change is one diff on every node: the update never shows u1 twice or not at all.
        expect(eventsFrom(node, settled[i] as number)[0], history).toBe(up[i]);
        expect(eventsFrom(node, after[i] as number)[0], history).toBe(gone[i]);
        const diff = up[i] as NodeLine;
        expect([diff.kind, diff.joins, diff.leaves], history).toEqual(['diff', ['u1'], ['u1']]);
      }
      for (const ms of [updateMs, untrackMs]) {
        expect(ms, history).toBeGreaterThanOrEqual(0);
        expect(ms, history).toBeLessThanOrEqual(2 * TIMINGS.heartbeatMs);
      }
    }, 60_000);

    it('removes a gracefully stopped node’s presences everywhere at once', async () => {
      const { nodes, settled } = await cluster(config());
      const [n0, n1, n2] = nodes;
      const asked = Date.now();
      n2.send({ cmd: 'stop' });
      const gone = await Promise.all(
        [n0, n1].map((n, i) => listingReaches(n, WITHOUT_N2, settled[i] as number)),
      );
      const ms = Math.max(...gone.map((line) => line.at - asked));
      report(transport, 'graceful stop → leave on the other nodes', ms);
      const history = historyOf(nodes, settled, asked);
      for (const [i, node] of [n0, n1].entries()) {
        expect(eventsFrom(node, settled[i] as number)[0], history).toBe(gone[i]);
      }
      expect(Math.min(...gone.map((line) => line.at - asked)), history).toBeGreaterThanOrEqual(0);
      expect(ms, history).toBeLessThan(TIMINGS.heartbeatMs);
      expect(await n2.exited).toBe(0);
    }, 60_000);
  });
}
