/**
 * Scenario `redis-1to1`: Redis pub/sub, one publisher → one subscriber in one process, 250-byte
 * JSON payloads. Herald with validation and signing on, against raw ioredis (plain and
 * auto-pipelined) and the hand-written signed-JSON equivalent, all on the same ioredis.
 */
import type { Scenario } from '../harness.js';
import { redisUnavailable } from '../servers.js';
import { heraldRedisSystem, rawRedisSystem } from '../systems/redis.js';

const WINDOW = 256;
const LOAD = { window: WINDOW };

/** Redis, 1 → 1. */
export const redisOneToOne: Scenario = {
  id: 'redis-1to1',
  title: 'Redis 1 → 1, 250-byte JSON',
  measures:
    'Messages per second from publish on one connection to the handler behind another, through the Redis on 127.0.0.1:6379. Up to 256 publishes in flight; the driver waits for their deliveries before the next window. Latency is publish → handler under that load.',
  kind: 'throughput',
  messages: { quick: 10_000, full: 20_000 },
  baselines: ['signed-json-ioredis', 'ioredis'],
  settings: { window: WINDOW, payloadBytes: 250, server: '127.0.0.1:6379' },
  unavailable: redisUnavailable,
  async systems() {
    return [
      heraldRedisSystem(LOAD),
      rawRedisSystem({
        id: 'signed-json-ioredis',
        label: 'hand-written signed JSON on ioredis',
        load: LOAD,
        autoPipelining: false,
        signed: true,
      }),
      rawRedisSystem({
        id: 'ioredis',
        label: 'raw ioredis, JSON',
        load: LOAD,
        autoPipelining: false,
        signed: false,
      }),
      rawRedisSystem({
        id: 'ioredis-autopipeline',
        label: 'raw ioredis, JSON, auto-pipelined',
        load: LOAD,
        autoPipelining: true,
        signed: false,
      }),
    ];
  },
};
