/**
 * Fault test of the Redis transport in cluster mode, on a private 3-master cluster: the master
 * that owns the stream's channel is killed and restarted mid-stream. Every message must end as
 * delivered, rejected at publish, or inside a signalled gap. The same for a template
 * subscription, whose messages travel on the template's mirror channel (`$tpl:<template>`).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { keySlot } from '../../src/adapters/redis/slots.js';
import { adminClient, uniquePrefix } from '../adapters/redis.helpers.js';
import { sleep } from '../support/ports.js';
import { type RedisCluster, startRedisCluster } from '../support/redis-server.js';
import { inCI } from '../support/services.js';
import { type Harness, harness, streamThrough } from './redis.harness.js';
import {
  streamTemplatesThrough,
  type TemplateHarness,
  templateHarness,
} from './redis-templates.harness.js';

let cluster: RedisCluster | undefined;
try {
  cluster = await startRedisCluster(3);
} catch (error) {
  const problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start a Redis Cluster: ${problem}`);
  console.warn(`!! SKIPPING Redis Cluster fault tests: cannot start a cluster: ${problem}`);
}

describe.skipIf(!cluster)('redis transport on Redis Cluster under faults', () => {
  const harnesses: (Harness | TemplateHarness)[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('accounts for every message when the master of the channel is killed and restarted', async () => {
    if (!cluster) return;
    const prefix = uniquePrefix();
    const nodes = cluster.startupNodes;
    const make = () => redisTransport({ cluster: { nodes }, prefix, connectTimeoutMs: 3000 });
    const h = await harness(make(), [make()]);
    harnesses.push(h);
    // Find the master that owns room:1 under this prefix.
    const admin = await adminClient(cluster.nodes[0]?.url ?? '');
    const slots = (await admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    admin.disconnect();
    const slot = keySlot(`${prefix}room:1`);
    const port = slots.find(([start, end]) => slot >= start && slot <= end)?.[2][1];
    const owner = cluster.nodes.find((n) => n.port === port);
    if (!owner) throw new Error(`no master owns slot ${slot}`);

    let restartedAt = 0;
    const books = await streamThrough(h, async () => {
      await owner.kill('SIGKILL');
      await sleep(500);
      await owner.restart();
      restartedAt = Date.now();
    });
    const resub = h.events.find((e) => e.type === 'resubscribed');
    const ms = (resub?.detail as { ms?: number } | undefined)?.ms;
    console.log(
      `redis cluster resubscribe after a master kill: ${ms} ms from the disconnect, ${(resub?.at ?? 0) - restartedAt} ms after the master was back`,
      books,
    );
    for (const b of books) {
      expect(b.silent).toEqual([]);
      expect(b.rejected + b.inGap).toBeGreaterThan(0);
    }
    expect(h.gaps.length).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('restores a template subscription (its $tpl: channel) when the master of that channel is killed', async () => {
    if (!cluster) return;
    const prefix = uniquePrefix();
    const nodes = cluster.startupNodes;
    const make = () => redisTransport({ cluster: { nodes }, prefix, connectTimeoutMs: 3000 });
    const h = await templateHarness(make(), [make()]);
    harnesses.push(h);
    const mirror = `${prefix}$tpl:fleet:{node}`;
    const admin = await adminClient(cluster.nodes[0]?.url ?? '');
    const slots = (await admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    admin.disconnect();
    const slot = keySlot(mirror);
    const port = slots.find(([start, end]) => slot >= start && slot <= end)?.[2][1];
    const owner = cluster.nodes.find((n) => n.port === port);
    if (!owner) throw new Error(`no master owns slot ${slot}`);

    const books = await streamTemplatesThrough(h, async () => {
      await owner.kill('SIGKILL');
      await sleep(500);
      await owner.restart();
    });
    console.log('redis cluster template subscription through a master kill', books);
    // The restarted master knows nothing: the subscriber there is the transport's resubscribe.
    const check = await adminClient(owner.url);
    const counts = (await check.call('PUBSUB', 'SHARDNUMSUB', mirror)) as [string, number];
    check.disconnect();
    expect(Number(counts[1])).toBe(1);
    for (const b of books) {
      expect(b.silent).toEqual([]);
      expect(b.rejected + b.inGap).toBeGreaterThan(0);
    }
    expect(h.gaps.length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
