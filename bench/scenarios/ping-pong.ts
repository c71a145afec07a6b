/**
 * Scenario `redis-ping-pong`: a message alone in its tick. Publish one message, wait until the
 * handler behind the other connection has it, publish the next: each message is a full round trip
 * publisher → Redis → subscriber with nothing to share it with, so no batching or pipelining can
 * help. Herald on default settings against raw ioredis and the hand-written signed JSON on ioredis.
 * msgs/s is one over the round trip: the round-trip ratio is the inverse of the throughput ratio.
 */
import type { Scenario } from '../harness.js';
import { redisUnavailable } from '../servers.js';
import { heraldRedisSystem, rawRedisSystem } from '../systems/redis.js';

const LOAD = { window: 1 };

/** Redis ping-pong, one message in flight. */
export const redisPingPong: Scenario = {
  id: 'redis-ping-pong',
  title: 'Redis ping-pong: one message in flight, 250-byte JSON',
  measures:
    'Round trips per second: publish one message on one connection, wait for its handler behind another connection (through the Redis on 127.0.0.1:6379), then publish the next. The round trip is 1 / msgs/s; a ratio of 0.8 is a round trip 1.25× as long.',
  kind: 'throughput',
  messages: { quick: 1_000, full: 4_000 },
  baselines: ['ioredis', 'signed-json-ioredis'],
  settings: { window: 1, payloadBytes: 250, server: '127.0.0.1:6379' },
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
    ];
  },
};
