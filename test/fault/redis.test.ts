/**
 * Fault tests of the Redis transport, on private servers these tests start on other ports (never
 * the shared one): kill -9 and restart during a stream, CLIENT KILL TYPE pubsub, and a
 * blackholed (half-open) connection through the loopback proxy.
 *
 * Every message is counted by its per-publisher sequence number and must end as delivered,
 * rejected at publish, or inside a gap the bus signalled: zero silent drops.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import type { RedisTransportOptions } from '../../src/adapters/redis/options.js';
import { adminClient, uniquePrefix, waitFor } from '../adapters/redis.helpers.js';
import { sleep } from '../support/ports.js';
import { startProxy, type TcpProxy } from '../support/proxy.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { type Harness, harness, streamThrough } from './redis.harness.js';

/** A subscriber on `subUrl` and one publisher per `pubUrls` entry, all under one fresh prefix. */
function start(subUrl: string, pubUrls: readonly string[], extra: RedisTransportOptions = {}) {
  const prefix = uniquePrefix();
  const make = (url: string) => redisTransport({ url, prefix, connectTimeoutMs: 3000, ...extra });
  return harness(make(subUrl), pubUrls.map(make));
}

describe('redis transport under faults', () => {
  let server: RedisServer;
  let admin: Redis;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    admin = await adminClient(server.url);
  });
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it('accounts for every message when Redis is killed and restarted during a stream', async () => {
    const h = await start(server.url, [server.url]);
    harnesses.push(h);
    let restartedAt = 0;
    const books = await streamThrough(h, async () => {
      await server.kill('SIGKILL');
      await sleep(500);
      await server.restart();
      restartedAt = Date.now();
      admin.disconnect();
      admin = await adminClient(server.url);
    });
    const resub = h.events.find((e) => e.type === 'resubscribed');
    expect(resub).toBeDefined();
    console.log(
      `redis resubscribe after kill: ${(resub?.detail as { ms?: number } | undefined)?.ms} ms from the disconnect, ${(resub?.at ?? 0) - restartedAt} ms after the server was back`,
      books,
    );
    for (const b of books) {
      expect(b.silent).toEqual([]);
      expect(b.rejected + b.inGap).toBeGreaterThan(0);
    }
    expect(h.gaps).toHaveLength(1);
    expect(h.events.map((e) => e.type)).toContain('reconnecting');
  }, 60_000);

  it('accounts for every message of bursts written as pipelines when Redis is killed', async () => {
    const h = await start(server.url, [server.url], { pipeline: true });
    harnesses.push(h);
    // 20 publishes per tick: each burst is one socket write, and the kill lands inside some.
    const books = await streamThrough(
      h,
      async () => {
        await server.kill('SIGKILL');
        await sleep(300);
        await server.restart();
        admin.disconnect();
        admin = await adminClient(server.url);
      },
      20,
    );
    console.log('redis kill under 20-publish bursts', books);
    for (const b of books) {
      expect(b.silent).toEqual([]);
      expect(b.rejected + b.inGap).toBeGreaterThan(0);
      expect(b.delivered).toBeGreaterThan(100);
    }
    expect(h.gaps).toHaveLength(1);
  }, 60_000);

  it('accounts for every message after CLIENT KILL TYPE pubsub', async () => {
    const h = await start(server.url, [server.url]);
    harnesses.push(h);
    let killedAt = 0;
    const books = await streamThrough(h, async () => {
      killedAt = Date.now();
      const killed = await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      expect(Number(killed)).toBeGreaterThanOrEqual(1);
    });
    const resub = h.events.find((e) => e.type === 'resubscribed');
    console.log(
      `redis resubscribe after CLIENT KILL TYPE pubsub: ${(resub?.detail as { ms?: number } | undefined)?.ms} ms (${(resub?.at ?? 0) - killedAt} ms after the kill)`,
      books,
    );
    for (const b of books) expect(b.silent).toEqual([]);
    expect(h.gaps).toHaveLength(1);
    const reasons = h.events.filter((e) => e.type === 'disconnected');
    expect(reasons[0]?.detail).toMatchObject({ reason: expect.stringContaining('subscriber') });
  }, 60_000);

  describe('through a proxy', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startProxy(server.port);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it('detects a blackholed connection by heartbeat and accounts for every message', async () => {
      const viaProxy = `redis://127.0.0.1:${proxy.port}`;
      // pub0 publishes directly, pub1 through the blackholed proxy (its publishes must reject).
      const h = await start(viaProxy, [server.url, viaProxy], {
        heartbeatMs: 500,
        heartbeatTimeoutMs: 1500,
      });
      harnesses.push(h);
      let blackholedAt = 0;
      const books = await streamThrough(h, async () => {
        blackholedAt = Date.now();
        proxy.blackhole(true);
        await waitFor(() => h.sub.transport().state === 'reconnecting', 'the heartbeat', 10_000);
        await sleep(1500);
        proxy.blackhole(false);
      });
      const down = h.events.find((e) => e.type === 'disconnected');
      const resub = h.events.find((e) => e.type === 'resubscribed');
      const detectMs = (down?.at ?? 0) - blackholedAt;
      console.log(
        `redis half-open detected after ${detectMs} ms (heartbeat 500 ms, timeout 1500 ms); resubscribed ${(resub?.detail as { ms?: number } | undefined)?.ms} ms after detection`,
        books,
      );
      expect(down?.detail).toMatchObject({ reason: expect.stringContaining('heartbeat timeout') });
      expect(detectMs).toBeLessThanOrEqual(500 + 1500 + 250);
      for (const b of books) expect(b.silent).toEqual([]);
      // The subscriber's gap starts before the blackhole: nothing lost is outside it.
      expect(h.gaps[0]?.from).toBeLessThanOrEqual(blackholedAt);
      const viaProxyBooks = books[1];
      expect(viaProxyBooks?.rejected).toBeGreaterThan(0);
    }, 60_000);
  });
});
