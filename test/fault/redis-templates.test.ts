/**
 * Fault tests of template subscriptions on the Redis transport (issue 17), on a private server
 * these tests start on another port: a bus whose only subscription is the template `fleet:{node}`
 * (one PSUBSCRIBE) sees the server killed (SIGKILL) and restarted mid-stream. It must get one gap
 * covering the outage, the pattern must be on the server again, and messages published afterwards
 * on every concrete topic must arrive; every message ends delivered, rejected at publish, or
 * inside the gap, none silently lost.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import type { RedisTransportOptions } from '../../src/adapters/redis/options.js';
import { adminClient, uniquePrefix } from '../adapters/redis.helpers.js';
import { sleep } from '../support/ports.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import {
  streamTemplatesThrough,
  type TemplateHarness,
  templateHarness,
} from './redis-templates.harness.js';

describe('redis template subscriptions under faults', () => {
  let server: RedisServer;
  let admin: Redis;
  const harnesses: TemplateHarness[] = [];

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

  const start = (extra: RedisTransportOptions = {}) => {
    const prefix = uniquePrefix();
    const make = () =>
      redisTransport({ url: server.url, prefix, connectTimeoutMs: 3000, ...extra });
    return templateHarness(make(), [make()]);
  };

  for (const [label, extra] of [
    ['default options', {}],
    ['pipelined publishes', { pipeline: true }],
  ] as const) {
    it(`restores the PSUBSCRIBE and accounts for every message when Redis is killed (${label})`, async () => {
      const h = await start(extra);
      harnesses.push(h);
      expect(await admin.call('PUBSUB', 'NUMPAT')).toBe(1);
      let downAt = 0;
      const books = await streamTemplatesThrough(h, async () => {
        downAt = Date.now();
        await server.kill('SIGKILL');
        await sleep(500);
        await server.restart();
        admin.disconnect();
        admin = await adminClient(server.url);
      });
      console.log(`redis template subscription through a kill (${label})`, books);
      // The restarted server knows nothing: the pattern there is the transport's resubscribe.
      expect(await admin.call('PUBSUB', 'NUMPAT')).toBe(1);
      const resub = h.events.find((e) => e.type === 'resubscribed');
      // The template's pattern counts among the resubscribed channels.
      expect(h.sub.transport().channels).toBeGreaterThanOrEqual(1);
      expect(resub?.detail).toMatchObject({ channels: h.sub.transport().channels });
      expect(h.gaps).toHaveLength(1);
      expect(h.gaps[0]!.from).toBeLessThanOrEqual(downAt);
      for (const b of books) {
        expect(b.silent).toEqual([]);
        expect(b.rejected + b.inGap).toBeGreaterThan(0);
        expect(b.delivered).toBeGreaterThan(50);
      }
    }, 60_000);
  }
});
