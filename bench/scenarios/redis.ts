/**
 * Scenario `redis-1to1`: Redis pub/sub, one publisher → one subscriber in one process, 250-byte
 * JSON payloads. Herald with validation and signing on, against raw ioredis (plain and
 * auto-pipelined), the hand-written signed-JSON equivalent, and the peer libraries mqemitter-redis
 * and graphql-redis-subscriptions, all on the same ioredis. And `redis-fanout`: 10 subscribers.
 */
import type { Scenario } from '../harness.js';
import { redisUnavailable } from '../servers.js';
import { graphqlRedisSystem, mqemitterRedisSystem } from '../systems/peers-redis.js';
import { heraldRedisSystem, rawRedisSystem } from '../systems/redis.js';
import { FANOUT, heraldFanoutSystem, rawFanoutSystem } from '../systems/redis-fanout.js';

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
  baselines: [
    'signed-json-ioredis',
    'signed-json-ioredis-autopipeline',
    'ioredis',
    'mqemitter-redis',
    'graphql-redis-subscriptions',
  ],
  settings: { window: WINDOW, payloadBytes: 250, server: '127.0.0.1:6379' },
  unavailable: redisUnavailable,
  async systems() {
    return [
      heraldRedisSystem(LOAD),
      heraldRedisSystem(LOAD, 'unbatched'),
      heraldRedisSystem(LOAD, 'pipelined'),
      heraldRedisSystem(LOAD, 'template'),
      heraldRedisSystem(LOAD, 'fleet'),
      rawRedisSystem({
        id: 'signed-json-ioredis',
        label: 'hand-written signed JSON on ioredis',
        load: LOAD,
        autoPipelining: false,
        signed: true,
      }),
      rawRedisSystem({
        id: 'signed-json-ioredis-autopipeline',
        label: 'hand-written signed JSON, auto-pipelined',
        load: LOAD,
        autoPipelining: true,
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
      mqemitterRedisSystem(LOAD),
      graphqlRedisSystem(LOAD),
    ];
  },
};

/** Redis, 1 → 10 subscribers. */
export const redisFanout: Scenario = {
  id: 'redis-fanout',
  title: `Redis fan-out, 1 → ${FANOUT} subscribers, 250-byte JSON`,
  measures: `Messages per second published while each reaches ${FANOUT} handlers, through the Redis on 127.0.0.1:6379: raw ioredis with one connection per subscriber, against Herald with a bus per subscriber and with one bus dispatching locally. Up to 256 publishes in flight.`,
  kind: 'throughput',
  messages: { quick: 4_000, full: 10_000 },
  baselines: ['ioredis-fanout'],
  settings: { window: WINDOW, subscribers: FANOUT, payloadBytes: 250, server: '127.0.0.1:6379' },
  unavailable: redisUnavailable,
  async systems() {
    return [
      heraldFanoutSystem(WINDOW, 'local'),
      heraldFanoutSystem(WINDOW, 'buses'),
      rawFanoutSystem(WINDOW),
    ];
  },
};
