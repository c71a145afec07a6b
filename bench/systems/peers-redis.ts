/**
 * Peer libraries on Redis pub/sub, 1 publisher → 1 subscriber in one process, 250-byte payloads:
 * mqemitter-redis (msgpack packets, its publish connection always auto-pipelined, no signing, no
 * validation) and graphql-redis-subscriptions' RedisPubSub (JSON, no signing, no validation). Both
 * run on the installed ioredis that Herald uses, stated in the JSON.
 */

import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import { MQ_TOPIC, type Posted } from '../fixtures.js';
import type { System } from '../harness.js';
import { REDIS } from '../servers.js';
import { Deliveries, describeLoad, Latencies, type Load, runLoad } from '../support.js';
import { versionOf } from '../versions.js';
import { numbered } from './herald-pair.js';

/** mqemitter-redis: emitter A publishes, emitter B (its own connections) receives. */
export function mqemitterRedisSystem(load: Load): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  const topic = `bench/mqemitter-redis/${MQ_TOPIC}`;
  let publisher: MQEmitterRedis.MQEmitterRedis | undefined;
  let subscriber: MQEmitterRedis.MQEmitterRedis | undefined;
  const versions = {
    'mqemitter-redis': versionOf('mqemitter-redis'),
    ioredis: versionOf('ioredis'),
  };
  return {
    id: 'mqemitter-redis',
    label: 'mqemitter-redis',
    note: `mqemitter-redis ${versions['mqemitter-redis']} on ioredis ${versions.ioredis} (its publish connection auto-pipelined, as the library always sets), two emitters each with its own connections, msgpack packets with an id for de-duplication, no signing, no validation, publishes ${describeLoad(load)}`,
    versions,
    async setup() {
      publisher = MQEmitterRedis({ ...REDIS });
      subscriber = MQEmitterRedis({ ...REDIS });
      await new Promise<void>((resolve) =>
        subscriber!.on(
          topic,
          (message, done) => {
            latencies.received((message as unknown as Posted).n);
            deliveries.hit();
            done();
          },
          () => resolve(),
        ),
      );
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const pub = publisher!;
      const failed = (error?: unknown): void => {
        if (error) deliveries.fail(error);
      };
      await runLoad(n, load, deliveries, (i, at) => {
        latencies.sent(i, at);
        pub.emit({ topic, ...numbered(i) }, failed);
        return undefined;
      });
      return { latencyMs: latencies.result() };
    },
    async teardown() {
      await Promise.all(
        [publisher, subscriber].map(
          (e) => new Promise<void>((resolve) => e?.close(() => resolve())),
        ),
      );
    },
  };
}

/** graphql-redis-subscriptions: `pubsub.publish(trigger, payload)` → `subscribe` handler. */
export function graphqlRedisSystem(load: Load): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  const trigger = 'bench:graphql-redis-subscriptions';
  let pubsub: RedisPubSub | undefined;
  const versions = {
    'graphql-redis-subscriptions': versionOf('graphql-redis-subscriptions'),
    ioredis: versionOf('ioredis'),
  };
  return {
    id: 'graphql-redis-subscriptions',
    label: 'graphql-redis-subscriptions',
    note: `graphql-redis-subscriptions ${versions['graphql-redis-subscriptions']} RedisPubSub on ioredis ${versions.ioredis} (no auto-pipelining), one publish and one subscribe connection, JSON, no signing, no validation, publishes ${describeLoad(load)}`,
    versions,
    async setup() {
      const options = { ...REDIS, lazyConnect: true, maxRetriesPerRequest: 1 };
      const publisher = new Redis(options);
      const subscriber = new Redis(options);
      await Promise.all([publisher.connect(), subscriber.connect()]);
      pubsub = new RedisPubSub({ publisher, subscriber });
      await pubsub.subscribe(trigger, (message: Posted) => {
        latencies.received(message.n);
        deliveries.hit();
      });
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const ps = pubsub!;
      await runLoad(n, load, deliveries, (i, at) => {
        latencies.sent(i, at);
        return ps.publish(trigger, numbered(i));
      });
      return { latencyMs: latencies.result() };
    },
    async teardown() {
      await pubsub?.close();
    },
  };
}
