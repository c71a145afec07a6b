/**
 * Durable topics under faults, on a private nats-server with JetStream and its own store dir
 * (test/support/nats-server.ts; never the shared server on 4222):
 * - a durable subscriber process killed with SIGKILL and started again resumes from its last
 *   acknowledged message: every message handled, none skipped; the only message that may run
 *   twice is the one whose handler had finished when the kill landed, before its ack left;
 * - the server killed with SIGKILL and restarted on its store: every publish that resolved is
 *   handled, exactly once; a publish during the outage rejects (never "ok" unstored).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { busFactory, newPrefix, until } from '../adapters/nats-durable.helpers.js';
import { type ChildNode, spawnTsx } from '../support/child.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';
import { sleep } from '../support/ports.js';

const child = fileURLToPath(new URL('./nats-durable.child.ts', import.meta.url));

describe('durable topics under faults (private nats-server -js)', () => {
  let server: NatsServer;
  const children: ChildNode[] = [];
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await server?.stop();
  });

  it('resumes a SIGKILLed durable subscriber from its last ack: no gap, no second run but the one in hand', async () => {
    server = await startNatsServer();
    const f = busFactory(server.url);
    const prefix = newPrefix();
    const pub = await f.bus('pub', prefix);
    const start = (id: string): ChildNode => {
      const c = spawnTsx(child, [id, server.url, prefix], id);
      children.push(c);
      return c;
    };
    const handled = (c: ChildNode): number[] =>
      c.lines.filter((l) => l.startsWith('handled ')).map((l) => Number(l.split(' ')[1]));
    const first = start('sub-1');
    await until(() => first.lines.includes('ready'), 'the first subscriber', 30_000);
    const total = 300;
    let killed = false;
    for (let n = 0; n < total; n++) {
      await pub.broadcast('orders:eu', 'placed', { n });
      if (!killed && handled(first).length >= 100) {
        first.proc.kill('SIGKILL');
        await first.exited();
        killed = true;
      }
      if (n % 10 === 0) await sleep(5);
    }
    if (!killed) {
      await until(() => handled(first).length >= 100, 'a hundred handled', 30_000);
      first.proc.kill('SIGKILL');
      await first.exited();
    }
    const before = handled(first);
    const second = start('sub-2');
    await until(
      () => new Set([...before, ...handled(second)]).size === total,
      'every message handled',
      60_000,
    );
    await sleep(1500); // past the ack wait: any redelivery would show now
    const after = handled(second);
    const twice = after.filter((n) => before.includes(n));
    expect(new Set([...before, ...after]).size).toBe(total);
    expect(new Set(after).size).toBe(after.length);
    expect(twice.length).toBeLessThanOrEqual(1);
    if (twice.length === 1) expect(twice[0]).toBe(before[before.length - 1]);
    await f.stopAll();
  }, 120_000);

  it('loses nothing stored when the server is SIGKILLed and restarted on its store', async () => {
    server ??= await startNatsServer();
    const f = busFactory(server.url);
    const prefix = newPrefix();
    const pub = await f.bus('pub', prefix);
    const sub = await f.bus('sub', prefix);
    const seen = new Map<string, number>();
    await sub.subscribe(
      'orders:eu',
      (m) => void seen.set(m.meta.id, (seen.get(m.meta.id) ?? 0) + 1),
      { durable: 'ledger', redelivery: { ackWaitMs: 1000 } },
    );
    const stored: string[] = [];
    let refused = 0;
    for (let n = 0; n < 200; n++) {
      if (n === 100) {
        await server.kill('SIGKILL');
        // While it is down: publishes reject, none is "ok" unstored.
        await expect(pub.broadcast('orders:eu', 'placed', { n: 9999 })).rejects.toMatchObject({
          code: 'PUBLISH_FAILED',
        });
        refused++;
        await server.restart();
      }
      for (;;) {
        try {
          stored.push((await pub.broadcast('orders:eu', 'placed', { n })).id);
          break;
        } catch {
          refused++;
          await sleep(100);
        }
      }
    }
    await until(() => stored.every((id) => seen.has(id)), 'every stored message', 60_000);
    await sleep(1500);
    expect(refused).toBeGreaterThan(0);
    expect(stored.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    await f.stopAll();
  }, 120_000);
});
