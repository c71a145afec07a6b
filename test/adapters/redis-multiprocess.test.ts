/**
 * Separate Node processes exchanging signed messages over Redis: two nodes broadcast to each
 * other and send one direct message each; a third process signs with a key nobody trusts, and
 * both nodes refuse its messages. The parent only reads their stdout.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildNode, spawnTsx } from '../support/child.js';
import { requireRedis } from '../support/services.js';
import { uniquePrefix, waitFor } from './redis.helpers.js';

const redis = await requireRedis();
const child = fileURLToPath(new URL('./redis-multiprocess.child.ts', import.meta.url));

type Node = ChildNode;

const node = (args: readonly string[]): Node => spawnTsx(child, args, args[0]);

describe.skipIf(!redis.ok)('redis across processes', () => {
  const running: Node[] = [];
  afterEach(() => {
    for (const n of running.splice(0)) if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
  });

  it('delivers signed messages between two Node processes and refuses a forger', async () => {
    const prefix = uniquePrefix();
    const count = 25;
    const alice = node(['alice', 'bob', redis.url, prefix, String(count)]);
    const bob = node(['bob', 'alice', redis.url, prefix, String(count)]);
    running.push(alice, bob);
    for (const n of [alice, bob]) await waitFor(() => n.lines.includes('ready'), 'ready', 15_000);

    const forger = node(['mallory', 'alice', redis.url, prefix, '3', 'forge']);
    running.push(forger);
    expect(await forger.exited()).toBe(0);

    alice.proc.stdin.write('go\n');
    bob.proc.stdin.write('go\n');
    for (const n of [alice, bob]) await waitFor(() => n.lines.includes('done'), 'done', 15_000);

    for (const [me, peer] of [
      [alice, 'bob'],
      [bob, 'alice'],
    ] as const) {
      const fromPeer = me.lines
        .filter((l) => l.startsWith(`recv ${peer} `))
        .map((l) => l.split(' '));
      // Every broadcast in order, then the direct message; all verified with key k1, all remote.
      expect(fromPeer.map((p) => Number(p[2]))).toEqual(
        Array.from({ length: count + 1 }, (_, i) => i + 1),
      );
      expect(fromPeer.every((p) => p[3] === 'k1' && p[4] === 'false')).toBe(true);
      expect(fromPeer.at(-1)?.slice(5).join(' ')).toBe('direct');
      expect(me.lines.some((l) => l.startsWith('recv mallory'))).toBe(false);
      expect(me.lines.filter((l) => l.startsWith('rejected bad_signature'))).toHaveLength(3);
    }

    for (const n of [alice, bob]) n.proc.stdin.write('stop\n');
    expect(await alice.exited()).toBe(0);
    expect(await bob.exited()).toBe(0);
  }, 60_000);
});
