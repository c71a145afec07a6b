/**
 * The Redis transport on a real 3-master Redis Cluster that this file starts on loopback ports:
 * sharded pub/sub (SPUBLISH/SSUBSCRIBE) routed by hash slot, one shard subscription per channel
 * on the master that owns it, and none left after unsubscribe.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { keySlot } from '../../src/adapters/redis/slots.js';
import type { Transport } from '../../src/index.js';
import { type RedisCluster, startRedisCluster } from '../support/redis-server.js';
import { inCI } from '../support/services.js';
import { adminClient, recordingSink, uniquePrefix, waitFor } from './redis.helpers.js';

let cluster: RedisCluster | undefined;
let problem = '';
try {
  cluster = await startRedisCluster(3);
} catch (error) {
  problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start a Redis Cluster: ${problem}`);
  console.warn(`!! SKIPPING Redis Cluster tests: cannot start a cluster: ${problem}`);
}

describe.skipIf(!cluster)('redis transport on Redis Cluster', () => {
  const prefix = uniquePrefix();
  const open: Transport[] = [];
  const admins: Redis[] = [];

  const make = (): Transport => {
    const t = redisTransport({ cluster: { nodes: cluster?.startupNodes ?? [] }, prefix });
    open.push(t);
    return t;
  };
  /** A counter summed over every node (shard channels are counted where their slot lives). */
  const total = async (...args: string[]): Promise<number> => {
    let sum = 0;
    for (const admin of admins) {
      const reply = (await admin.call('PUBSUB', ...args)) as [string, number];
      sum += Number(reply[1]);
    }
    return sum;
  };

  beforeAll(async () => {
    for (const node of cluster?.nodes ?? []) admins.push(await adminClient(node.url));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    for (const admin of admins) admin.disconnect();
    await cluster?.stop();
  });

  it('computes the same hash slot as CLUSTER KEYSLOT, hash tags included', async () => {
    const admin = admins[0];
    if (!admin) throw new Error('no admin client');
    for (const name of [
      '',
      'a',
      'room:42',
      'x{tag}y',
      '{}z',
      '{a}{b}',
      'héllo',
      '$node:n-1',
      '{',
    ]) {
      expect(keySlot(name)).toBe(Number(await admin.call('CLUSTER', 'KEYSLOT', name)));
    }
  });

  it('delivers messages on channels whose slots live on different masters', async () => {
    const a = make();
    const b = make();
    const sinkB = recordingSink();
    await a.connect(recordingSink());
    await b.connect(sinkB);
    expect(b.status()).toMatchObject({ state: 'connected', detail: { mode: 'cluster', nodes: 3 } });
    // Pick channels until all three masters own at least one.
    const owners = new Map<string, string>();
    const slots = (await admins[0]?.call('CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number],
    ][];
    const ownerOf = (slot: number): string => {
      const range = slots.find(([start, end]) => slot >= start && slot <= end);
      return String(range?.[2][1]);
    };
    for (let i = 0; new Set(owners.values()).size < 3 && i < 1000; i++) {
      owners.set(`room:${i}`, ownerOf(keySlot(`${prefix}room:${i}`)));
    }
    expect(new Set(owners.values()).size).toBe(3);
    for (const channel of owners.keys()) await b.subscribe(channel);
    for (const channel of owners.keys()) await a.publish(channel, `to ${channel}`);
    await waitFor(() => sinkB.messages.length === owners.size, 'one message per channel');
    expect(sinkB.messages.map((m) => m.data).sort()).toEqual(
      [...owners.keys()].map((c) => `to ${c}`).sort(),
    );
    for (const { channel, data } of sinkB.messages) expect(data).toBe(`to ${channel}`);
  });

  it('holds one shard subscription per channel and none after unsubscribe', async () => {
    const t = make();
    await t.connect(recordingSink());
    await t.subscribe('room:1');
    await t.subscribe('room:2');
    const names = [`${prefix}room:1`, `${prefix}room:2`];
    expect(await total('SHARDNUMSUB', names[0] ?? '')).toBe(1);
    expect(await total('SHARDNUMSUB', names[1] ?? '')).toBe(1);
    // Sharded, not classic pub/sub.
    expect(await total('NUMSUB', names[0] ?? '')).toBe(0);
    await t.unsubscribe('room:1');
    expect(await total('SHARDNUMSUB', names[0] ?? '')).toBe(0);
    expect(await total('SHARDNUMSUB', names[1] ?? '')).toBe(1);
    await t.close();
    await waitFor(async () => (await total('SHARDNUMSUB', names[1] ?? '')) === 0, 'close');
  });
});
