/**
 * The transport conformance suite on Redis (REDIS_URL, else 127.0.0.1:6379), and again on a
 * private 3-master Redis Cluster (sharded pub/sub), each under a prefix unique to this run.
 * Server-side channels are read with `PUBSUB CHANNELS <prefix>*` (on the cluster:
 * `PUBSUB SHARDCHANNELS` on every master): topics and node ids are unique per run, so the
 * server-wide list is exact.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { runTransportConformance } from '../../src/testing/conformance.js';
import { newRunId } from '../../src/testing/index.js';
import { startRedisCluster } from '../support/redis-server.js';
import { inCI, requireRedis } from '../support/services.js';

const service = await requireRedis();
const prefix = `hconf:${newRunId()}:`;

const admin = (url: string): Redis => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  afterAll(() => client.disconnect());
  return client;
};

if (service.ok) {
  const client = admin(service.url);
  // One envelope per message, micro-batching, and the publishes of a tick in one write.
  for (const [batching, pipeline] of [
    [false, false],
    [true, false],
    [false, true],
  ] as const) {
    runTransportConformance({
      name: pipeline ? 'redis, pipeline: true' : 'redis',
      batching,
      createTransport: () => redisTransport({ url: service.url, prefix, pipeline }),
      serverChannels: async () =>
        (await client.call('PUBSUB', 'CHANNELS', `${prefix}*`)) as string[],
      channelName: (channel) => `${prefix}${channel}`,
      largePayloadBytes: 1024 * 1024,
    });
  }
} else {
  describe('transport conformance: redis', () => {
    it.skip(`needs Redis (${service.reason})`, () => undefined);
  });
}

const cluster = await startRedisCluster(3).catch((error: unknown) => {
  const problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start a Redis Cluster: ${problem}`);
  console.warn(`!! SKIPPING the Redis Cluster conformance run: ${problem}`);
  return undefined;
});

if (cluster) {
  afterAll(() => cluster.stop());
  const clients = cluster.nodes.map((n) => admin(n.url));
  // SPUBLISH one write per publish, and pipelined per master.
  for (const pipeline of [false, true]) {
    runTransportConformance({
      name: pipeline ? 'redis-cluster, pipeline: true' : 'redis-cluster',
      createTransport: () =>
        redisTransport({ cluster: { nodes: cluster.startupNodes }, prefix, pipeline }),
      serverChannels: async () => {
        const lists = await Promise.all(
          clients.map((c) => c.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`) as Promise<string[]>),
        );
        return lists.flat();
      },
      channelName: (channel) => `${prefix}${channel}`,
      largePayloadBytes: 1024 * 1024,
    });
  }
} else {
  describe('transport conformance: redis-cluster', () => {
    it.skip('needs redis-server to start a cluster', () => undefined);
  });
}
