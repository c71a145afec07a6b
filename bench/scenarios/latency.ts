/**
 * Scenarios `redis-latency`, `postgres-latency` and `nats-latency`: publish → handler latency at a fixed rate
 * (5000 msg/s; 10 s per run in full mode, 0.3 s in quick mode), Herald against the raw client. The
 * rate is meant to be below every system's capacity, so the percentiles show the path, not a
 * queue; a system that cannot keep up shows under 5000 msg/s, and its latency is its backlog.
 * Latency is measured from each message's scheduled send time, so falling behind shows.
 */
import type { Scenario } from '../harness.js';
import { natsUnavailable, postgresUnavailable, redisUnavailable } from '../servers.js';
import { heraldNatsSystem, rawNatsSystem } from '../systems/nats.js';
import { heraldPostgresSystem, rawNotifySystem } from '../systems/postgres.js';
import { heraldRedisSystem, rawRedisSystem } from '../systems/redis.js';

const RATE = 5000;
const LOAD = { rate: RATE };
// Quick mode: 0.3 s per run keeps `--quick` under a minute with five systems per scenario.
const MESSAGES = { quick: (RATE * 3) / 10, full: RATE * 10 };
const ROUNDS = { quick: { warmup: 1, timed: 2 }, full: { warmup: 1, timed: 3 } };

/** Redis at 5k msg/s. */
export const redisLatency: Scenario = {
  id: 'redis-latency',
  title: `Redis 1 → 1 latency at ${RATE} msg/s`,
  measures: `p50/p99/p99.9 publish → handler latency at ${RATE} msg/s (250-byte JSON), Redis on 127.0.0.1:6379. Ratios compare p99s (lower is better).`,
  kind: 'latency',
  messages: MESSAGES,
  rounds: ROUNDS,
  baselines: ['ioredis'],
  settings: { rate: RATE, payloadBytes: 250, server: '127.0.0.1:6379' },
  unavailable: redisUnavailable,
  async systems() {
    return [
      heraldRedisSystem(LOAD),
      heraldRedisSystem(LOAD, 'unbatched'),
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

/** PostgreSQL at 5k msg/s. */
export const postgresLatency: Scenario = {
  id: 'postgres-latency',
  title: `PostgreSQL 1 → 1 latency at ${RATE} msg/s`,
  measures: `p50/p99/p99.9 NOTIFY → handler latency at ${RATE} msg/s (250-byte JSON), pools of 4, PostgreSQL on 127.0.0.1:5432. Ratios compare p99s (lower is better).`,
  kind: 'latency',
  messages: MESSAGES,
  rounds: ROUNDS,
  baselines: ['pg-notify-pool4', 'pg-notify-pool4-coalesced'],
  settings: { rate: RATE, pool: 4, payloadBytes: 250, server: '127.0.0.1:5432' },
  unavailable: postgresUnavailable,
  async systems() {
    return [
      heraldPostgresSystem(LOAD, 4),
      heraldPostgresSystem(LOAD, 4, false),
      rawNotifySystem({
        id: 'pg-notify-pool4',
        label: 'raw pg_notify, pool of 4',
        load: LOAD,
        pool: 4,
      }),
      rawNotifySystem({
        id: 'pg-notify-pool4-coalesced',
        label: 'raw pg_notify, pool of 4, coalesced like Herald',
        load: LOAD,
        pool: 4,
        coalesce: true,
      }),
    ];
  },
};

/** NATS at 5k msg/s. */
export const natsLatency: Scenario = {
  id: 'nats-latency',
  title: `NATS 1 → 1 latency at ${RATE} msg/s`,
  measures: `p50/p99/p99.9 publish → handler latency at ${RATE} msg/s (250-byte JSON), NATS on 127.0.0.1:4222. Ratios compare p99s (lower is better).`,
  kind: 'latency',
  messages: MESSAGES,
  rounds: ROUNDS,
  baselines: ['nats.js'],
  settings: { rate: RATE, payloadBytes: 250, server: '127.0.0.1:4222' },
  unavailable: natsUnavailable,
  async systems() {
    return [
      heraldNatsSystem(LOAD),
      heraldNatsSystem(LOAD, 'unbatched'),
      rawNatsSystem(LOAD, false),
    ];
  },
};
