/**
 * Run-time failover from Redis to PostgreSQL and back, under a stream of numbered messages.
 *
 * A publisher and a subscriber each run the chain ['redis', 'postgres'] with failover on. The test
 * kills its private Redis: both chains move to PostgreSQL at once (a `failover` event and a gap);
 * then it restarts Redis: after `failbackAfterMs` of health both move back. Every message ends as
 * delivered (exactly once), rejected at publish, or published inside a signalled gap: zero silent
 * drops, zero duplicates.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  ErrorCode,
  type Gap,
  isHeraldError,
  resolveTransport,
} from '../../src/index.js';
import { newRunId } from '../../src/testing/index.js';
import { keys, registry } from '../fixtures/registry.js';
import { sleep } from '../support/ports.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { requirePostgres } from '../support/services.js';

const pgService = await requirePostgres();
const run = newRunId();
let redis: RedisServer | undefined;
afterAll(async () => {
  await redis?.stop();
});

async function waitUntil(
  what: string,
  predicate: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe.skipIf(!pgService.ok)('failover between Redis and PostgreSQL', () => {
  it('moves to PostgreSQL when Redis dies and back when it recovers, losing nothing silently', async () => {
    redis = await startRedisServer();
    const chain = () =>
      resolveTransport(['redis', 'postgres'], {
        connectTimeoutMs: 2000,
        failover: { failbackAfterMs: 1000, retryMs: 250 },
        redis: {
          url: redis!.url,
          prefix: `hfo_${run}:`,
          heartbeatMs: 250,
          heartbeatTimeoutMs: 750,
        },
        postgres: {
          connectionString: pgService.url,
          prefix: `hfo_${run}`,
          heartbeatMs: 250,
          heartbeatTimeoutMs: 750,
        },
        env: {},
      });
    const sub: Bus<typeof registry.defs> = createBus({
      registry,
      keys,
      nodeId: 'sub',
      transport: chain(),
    });
    const pub: Bus<typeof registry.defs> = createBus({
      registry,
      keys,
      nodeId: 'pub',
      transport: chain(),
    });
    const gaps: Gap[] = [];
    const failovers: { node: string; from: string; to: string }[] = [];
    for (const bus of [sub, pub]) {
      bus.on('failover', (f) => failovers.push({ node: bus.nodeId, from: f.from, to: f.to }));
    }
    await Promise.all([sub.start(), pub.start()]);
    expect(pub.transport().name).toBe('redis');
    const received: number[] = [];
    await sub.subscribe('room:1', (m) => void received.push(m.meta.seq), {
      onGap: (gap) => void gaps.push(gap),
      queue: { limit: 100_000 },
    });

    const attempts: {
      seq: number;
      startedAt: number;
      settledAt: number;
      rejected: boolean;
      transport?: string;
    }[] = [];
    let running = true;
    const stream = (async () => {
      let n = 0;
      while (running) {
        const startedAt = Date.now();
        try {
          const receipt = await pub.broadcast('room:1', 'message', { text: 'tick', n: n++ });
          attempts.push({
            seq: receipt.seq,
            startedAt,
            settledAt: Date.now(),
            rejected: false,
            transport: receipt.transport,
          });
        } catch (error) {
          if (!isHeraldError(error) || error.code !== ErrorCode.PublishFailed) throw error;
          attempts.push({
            seq: attempts.length + 1,
            startedAt,
            settledAt: Date.now(),
            rejected: true,
          });
        }
        await sleep(3);
      }
    })();

    try {
      await sleep(500);
      const killedAt = Date.now();
      await redis.kill();
      await waitUntil('both chains on postgres', () =>
        [sub, pub].every((b) => b.transport().name === 'postgres'),
      );
      const failoverMs = Date.now() - killedAt;
      await sleep(800);
      const restartedAt = Date.now();
      await redis.restart();
      await waitUntil('both chains back on redis', () =>
        [sub, pub].every((b) => b.transport().name === 'redis'),
      );
      const failbackMs = Date.now() - restartedAt;
      const backAt = Date.now();
      await sleep(600);
      running = false;
      await stream;
      await sleep(500);
      console.log(
        `failover redis→postgres: ${failoverMs} ms after the kill; back to redis ${failbackMs} ms after the restart (failbackAfterMs 1000)`,
      );

      // The books: exactly once, or rejected at publish, or inside a signalled gap.
      const seen = new Set<number>();
      for (const seq of received) {
        expect(seen.has(seq), `seq ${seq} delivered twice`).toBe(false);
        seen.add(seq);
      }
      const silent = attempts.filter(
        (a) =>
          !seen.has(a.seq) &&
          !a.rejected &&
          !gaps.some((g) => g.from <= a.settledAt && a.startedAt <= g.to),
      );
      const delivered = attempts.filter((a) => seen.has(a.seq)).length;
      const rejected = attempts.filter((a) => a.rejected).length;
      console.log(
        `failover books: sent ${attempts.length}, delivered ${delivered}, rejected at publish ${rejected}, in gaps ${attempts.length - delivered - rejected - silent.length}, silent ${silent.length}, duplicates 0`,
      );
      expect(silent).toEqual([]);
      // Traffic really went over PostgreSQL, then over Redis again, and was delivered there.
      expect(attempts.some((a) => a.transport === 'postgres' && seen.has(a.seq))).toBe(true);
      const tail = attempts.filter((a) => a.startedAt > backAt);
      expect(tail.length).toBeGreaterThan(20);
      expect(tail.every((a) => a.transport === 'redis' && seen.has(a.seq))).toBe(true);
      expect(failovers).toEqual(
        expect.arrayContaining([
          { node: 'pub', from: 'redis', to: 'postgres' },
          { node: 'pub', from: 'postgres', to: 'redis' },
          { node: 'sub', from: 'redis', to: 'postgres' },
          { node: 'sub', from: 'postgres', to: 'redis' },
        ]),
      );
      expect(gaps.length).toBeGreaterThan(0);
    } finally {
      running = false;
      await stream.catch(() => undefined);
      await Promise.all([sub.stop(), pub.stop()]);
    }
  }, 60_000);
});
