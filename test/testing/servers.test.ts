import { existsSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startPostgresServer } from '../support/postgres-server.js';
import { pingRedis, startRedisCluster, startRedisServer } from '../support/redis-server.js';

// Servers are stopped from a hook: a test that times out never reaches its own `finally`.
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('startRedisServer', () => {
  it('starts a private server off 6379, survives a kill with a restart on the same port, and cleans up', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await pingRedis(server.port)).toBe(true);
    await server.kill();
    expect(server.running).toBe(false);
    expect(await pingRedis(server.port, 300)).toBe(false);
    await server.restart();
    expect(server.running).toBe(true);
    expect(await pingRedis(server.port)).toBe(true);
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    expect(await pingRedis(server.port, 300)).toBe(false);
  });

  it('refuses the shared port 6379', async () => {
    await expect(startRedisServer({ port: 6379 })).rejects.toThrow(/shared service/);
  });

  it('passes extra arguments to redis-server and keeps persistence off', async () => {
    const server = await startRedisServer({ args: ['--maxmemory', '12345678'] });
    cleanups.push(() => server.stop());
    const client = new Redis(server.url);
    cleanups.push(() => client.disconnect());
    expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', '12345678']);
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });
});

describe('startRedisCluster', () => {
  it('builds a 3-master cluster whose sharded pub/sub carries a message', async () => {
    const cluster = await startRedisCluster(3);
    cleanups.push(() => cluster.stop());
    const publisher = new Cluster([...cluster.startupNodes]);
    // ioredis only routes SSUBSCRIBE to the shard's node with shardedSubscribers on.
    const subscriber = new Cluster([...cluster.startupNodes], { shardedSubscribers: true });
    cleanups.push(() => {
      publisher.disconnect();
      subscriber.disconnect();
    });
    expect(cluster.nodes).toHaveLength(3);
    const info = String(await publisher.cluster('INFO'));
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_known_nodes:3');
    const received = new Promise<string>((resolve) =>
      subscriber.on('smessage', (_channel: string, message: string) => resolve(message)),
    );
    await subscriber.ssubscribe('herald-test:shard');
    await publisher.spublish('herald-test:shard', 'hello');
    expect(await received).toBe('hello');
    publisher.disconnect();
    subscriber.disconnect();
    await cluster.stop();
    for (const node of cluster.nodes) expect(existsSync(node.dir)).toBe(false);
  }, 60_000);
});

describe('startPostgresServer', () => {
  it('starts a private cluster off 5432 that survives pause(), kill() and restart() on the same port', async () => {
    const server = await startPostgresServer();
    cleanups.push(() => server.stop());
    const query = async (): Promise<unknown> => {
      const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 2000 });
      await client.connect();
      try {
        return (await client.query('SELECT current_database() AS db, 1 AS one')).rows[0];
      } finally {
        await client.end();
      }
    };
    expect(server.port).not.toBe(5432);
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/test`);
    expect(await query()).toEqual({ db: 'test', one: 1 });
    const started = Date.now();
    await server.pause(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await query()).toEqual({ db: 'test', one: 1 });
    await server.kill();
    await expect(query()).rejects.toThrow();
    await server.restart();
    expect(await query()).toEqual({ db: 'test', one: 1 });
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
  }, 120_000);

  it('refuses the shared port 5432', async () => {
    await expect(startPostgresServer({ port: 5432 })).rejects.toThrow(/shared service/);
  });
});
