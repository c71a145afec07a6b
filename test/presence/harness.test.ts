/**
 * The three-process harness (support/cluster.ts) on a fake child process: a wait that starts
 * after a node's converged listing never returns what the node printed before it — even in the
 * same millisecond — and still returns a change printed right after it.
 *
 * Regression: the SIGKILL test of cluster.test.ts once waited for "the first listing without n2
 * at or after the kill's millisecond", and n0 or n1 had often printed its intermediate listing
 * (n0 and n1 alone, just before n2's presence arrived), its full listing, and been seen by the
 * parent, all in the millisecond of the kill: the intermediate listing passed for a leave at 0 ms.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { eventsFrom, expectedLines, listingReaches, watchNode } from './support/cluster.js';

const ALL = expectedLines({ n0: [['u0', 'N0']], n1: [['u1', 'N1']], n2: [['u2', 'N2']] });
const WITHOUT_N2 = expectedLines({ n0: [['u0', 'N0']], n1: [['u1', 'N1']] });

function fakeNode() {
  const stdout = new EventEmitter();
  const proc = Object.assign(new EventEmitter(), { stdout, stderr: new EventEmitter() });
  const node = watchNode('n0', proc as unknown as ChildProcess);
  const print = (at: number, lines: string[]): void => {
    const line = { node: 'n0', at, t: 'event', kind: 'diff', joins: [], leaves: [], lines };
    stdout.emit('data', Buffer.from(`${JSON.stringify(line)}\n`));
  };
  return { node, print };
}

const pending = Symbol('pending');
const settle = <T>(promise: Promise<T>) =>
  Promise.race([promise, new Promise<typeof pending>((r) => setTimeout(() => r(pending), 20))]);

describe('the three-process harness', () => {
  it('does not take a listing printed before convergence, in the same ms, for a later change', async () => {
    const { node, print } = fakeNode();
    const t = 1_000_000;
    print(t - 5, ['n0/u0/N0']);
    print(t, WITHOUT_N2); // u1 arrived…
    print(t, ALL); // …and u2, in the same millisecond
    const full = await listingReaches(node, ALL, 0);
    const settled = node.after(full);
    expect(settled).toBe(3);
    // The parent kills n2 in that same millisecond: nothing has left yet.
    const leave = listingReaches(node, WITHOUT_N2, settled, 1000);
    expect(await settle(leave)).toBe(pending);
    print(t + 2400, WITHOUT_N2);
    expect((await leave).at).toBe(t + 2400);
    expect(eventsFrom(node, settled)).toEqual([await leave]);
  });

  it('still returns a real early change: one printed right after convergence', async () => {
    const { node, print } = fakeNode();
    const t = 1_000_000;
    print(t, WITHOUT_N2);
    print(t, ALL);
    print(t, WITHOUT_N2); // a phantom leave, right after convergence
    const settled = node.after(await listingReaches(node, ALL, 0));
    const leave = await listingReaches(node, WITHOUT_N2, settled, 1000);
    expect(node.lines.indexOf(leave)).toBe(2);
    expect(leave.at - t).toBe(0); // the SIGKILL test's lower bound fails on it, as it should
  });

  it('times out with where it searched from', async () => {
    const { node, print } = fakeNode();
    print(1, ALL);
    await expect(listingReaches(node, WITHOUT_N2, 1, 30)).rejects.toThrow(/from line 1/);
  });
});
