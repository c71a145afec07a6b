/**
 * Redis systems, 1 publisher connection → 1 subscriber connection in one process, 250-byte JSON:
 * raw ioredis (plain, and with auto-pipelining), the hand-written signed-JSON equivalent on raw
 * ioredis, and Herald's Redis transport. All run on the same installed ioredis, stated in the JSON.
 */

import { createSecretKey, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createValidator } from '../../src/internal.js';
import { KEY_BYTES, type Posted, PostedSchema } from '../fixtures.js';
import type { System } from '../harness.js';
import { REDIS } from '../servers.js';
import { Deliveries, describeLoad, Latencies, type Load, runLoad } from '../support.js';
import { heraldVersion, versionOf } from '../versions.js';
import { heraldPairSystem, numbered } from './herald-pair.js';
import { createSignedJson } from './signed-json.js';

/** How a raw ioredis system encodes. */
export interface RawRedisOptions {
  readonly id: string;
  readonly label: string;
  readonly load: Load;
  /** ioredis `enableAutoPipelining` on the publisher. */
  readonly autoPipelining: boolean;
  /** Hand-written HMAC signing and TypeBox check instead of plain JSON. */
  readonly signed: boolean;
}

/** Raw ioredis: `publish(channel, json)` → `subscriber.on('message')` → `JSON.parse`. */
export function rawRedisSystem(options: RawRedisOptions): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  // A run of its own: two benches on one Redis (several checkouts on one machine) never cross-talk.
  const channel = `bench:${options.id}:${randomBytes(4).toString('hex')}`;
  const validator = createValidator(PostedSchema);
  const codec = createSignedJson(createSecretKey(KEY_BYTES), (v) => validator.check(v));
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;
  let rejected = 0;
  const ioredis = versionOf('ioredis');
  return {
    id: options.id,
    label: options.label,
    note: `ioredis ${ioredis}, ${options.autoPipelining ? 'enableAutoPipelining on' : 'no auto-pipelining'}, one publish connection, one subscribe connection, publishes ${describeLoad(options.load)}, ${options.signed ? 'hand-written HMAC-SHA256 signed JSON + compiled TypeBox check' : 'plain JSON.stringify / JSON.parse'}`,
    versions: { ioredis },
    async setup() {
      const base = { ...REDIS, lazyConnect: true, maxRetriesPerRequest: 1 };
      publisher = new Redis({ ...base, enableAutoPipelining: options.autoPipelining });
      subscriber = new Redis(base);
      await publisher.connect();
      await subscriber.connect();
      subscriber.on('message', (_: string, text: string) => {
        if (options.signed) {
          const data = codec.decode(text) as Posted | undefined;
          if (data === undefined) {
            rejected++;
            return;
          }
          latencies.received(data.n);
        } else {
          latencies.received((JSON.parse(text) as Posted).n);
        }
        deliveries.hit();
      });
      await subscriber.subscribe(channel);
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const pub = publisher!;
      await runLoad(n, options.load, deliveries, (i, at) => {
        latencies.sent(i, at);
        const data = numbered(i);
        if (!options.signed) return pub.publish(channel, JSON.stringify(data));
        if (!validator.check(data)) throw new Error('invalid bench payload');
        return pub.publish(channel, codec.encode(channel, i, data));
      });
      return { latencyMs: latencies.result() };
    },
    verify() {
      if (rejected > 0) throw new Error(`${options.label}: ${rejected} messages rejected`);
    },
    async teardown() {
      await publisher?.quit().catch(() => publisher?.disconnect());
      await subscriber?.quit().catch(() => subscriber?.disconnect());
    },
  };
}

/**
 * How Herald writes to Redis: `default` is the default options (micro-batching: the first publish
 * of a tick goes alone, the rest of the tick to one channel become one message under one
 * signature); `unbatched` is `batching: false` (one PUBLISH and one socket write per publish);
 * `pipelined` is `batching: false, pipeline: true` (the publishes of one tick share one socket
 * write, each its own PUBLISH).
 */
export type HeraldRedisMode = 'default' | 'unbatched' | 'pipelined' | 'template' | 'fleet';

const MODES: Record<HeraldRedisMode, { id: string; label: string; note: string }> = {
  default: {
    id: 'herald-redis',
    label: 'Herald, Redis transport',
    note: 'default options (micro-batching: the first publish of a tick alone, the rest of the tick to one channel under one signature)',
  },
  unbatched: {
    id: 'herald-redis-unbatched',
    label: 'Herald, Redis, batching: false',
    note: 'batching: false (one envelope, one PUBLISH and one socket write per publish)',
  },
  pipelined: {
    id: 'herald-redis-pipelined',
    label: 'Herald, Redis, batching: false, pipeline: true',
    note: 'batching: false, pipeline: true (the publishes of one tick share one socket write, each its own PUBLISH)',
  },
  template: {
    id: 'herald-redis-template',
    label: 'Herald, Redis, template subscription',
    note: 'default options; publishes round-robin on 1,000 topics of a wildcard template (fleet:n0 … fleet:n999), the subscriber subscribes to the template fleet:{node} (one PSUBSCRIBE)',
  },
  fleet: {
    id: 'herald-redis-fleet',
    label: 'Herald, Redis, 1,000 concrete subscriptions',
    note: 'default options; the traffic of herald-redis-template (round-robin on fleet:n0 … fleet:n999), received by 1,000 concrete subscriptions (1,000 SUBSCRIBE channels) instead of the template',
  },
};

/** Herald's Redis transport, validation and signing on, written as `mode` says. */
export function heraldRedisSystem(load: Load, mode: HeraldRedisMode = 'default'): System {
  const ioredis = versionOf('ioredis');
  const { id, label, note } = MODES[mode];
  // One prefix for both buses of this system, of its own: concurrent benches never cross-talk.
  const prefix = `herald-bench-${mode}-${randomBytes(4).toString('hex')}:`;
  return heraldPairSystem({
    id,
    label,
    note: `herald ${heraldVersion()} redisTransport on ioredis ${ioredis}, ${note}, publishes ${describeLoad(load)}, two buses, each with its own publish and subscribe connections; validation, HMAC signing, verification and replay check on`,
    load,
    ...(mode === 'default' || mode === 'template' || mode === 'fleet' ? {} : { batching: false }),
    template: mode === 'template',
    fleet: mode === 'fleet',
    versions: { ioredis },
    transport: () =>
      redisTransport({
        ...REDIS,
        prefix,
        ...(mode === 'pipelined' ? { pipeline: true } : {}),
      }),
  });
}
