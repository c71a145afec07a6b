/**
 * JetStream systems, 250-byte JSON, publish and consume with the same acknowledgement policy:
 * every publish awaits its PubAck (with a `Nats-Msg-Id`), one durable pull consumer (explicit
 * acks, 64 in flight) acknowledges each message after its handler. Raw @nats-io/jetstream against
 * Herald's durable topic (validation, signing, verification, freshness against the stored time,
 * handled-id memory). Each system gets its own stream, deleted at teardown.
 */
import { randomBytes } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { handledStream, streamName } from '../../src/adapters/nats/jetstream.js';
import { type Bus, createBus, defineTopics, event, topic } from '../../src/index.js';
import { KEYS, type Posted, PostedSchema } from '../fixtures.js';
import type { System } from '../harness.js';
import { NATS_URL } from '../servers.js';
import { Deliveries, describeLoad, Latencies, type Load, runLoad } from '../support.js';
import { heraldVersion, versionOf } from '../versions.js';
import { numbered } from './herald-pair.js';

const jsVersion = (): string => versionOf('@nats-io/jetstream');
const IN_FLIGHT = 64;
const RETENTION = { maxAgeMs: 600_000, maxBytes: 1 << 28 };

/** The bench's durable topic. */
const durableRegistry = defineTopics({
  orders: topic('bench-durable:{id}', {
    events: { posted: event(PostedSchema) },
    durable: RETENTION,
  }),
});
const DURABLE_TOPIC = 'bench-durable:1' as const;

/** Raw @nats-io/jetstream: `js.publish` awaited, a durable pull consumer, `ack()` per message. */
export function rawJetStreamSystem(load: Load): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  const tag = randomBytes(4).toString('hex');
  const stream = `bench_raw_${tag}`;
  const subject = `bench.rawjs.${tag}`;
  let pub: NatsConnection | undefined;
  let sub: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let jsm: JetStreamManager | undefined;
  let stop: (() => void) | undefined;
  const decoder = new TextDecoder();
  // A fresh message id per publish, across runs: a repeated one would be dropped as a duplicate.
  let published = 0;
  return {
    id: 'jetstream.js',
    label: 'raw @nats-io/jetstream, JSON',
    note: `@nats-io/jetstream ${jsVersion()}: publish awaited (PubAck, Nats-Msg-Id), one durable pull consumer (explicit ack, ${IN_FLIGHT} in flight) acking each message after JSON.parse; publishes ${describeLoad(load)}`,
    versions: { '@nats-io/jetstream': jsVersion() },
    async setup() {
      pub = await connect({ servers: NATS_URL });
      sub = await connect({ servers: NATS_URL });
      js = jetstream(pub);
      jsm = await jetstreamManager(pub);
      await jsm.streams.add({
        name: stream,
        subjects: [subject],
        max_age: RETENTION.maxAgeMs * 1e6,
        max_bytes: RETENTION.maxBytes,
      });
      await jsm.consumers.add(stream, {
        durable_name: 'bench',
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: IN_FLIGHT,
      });
      const consumer = await jetstream(sub).consumers.get(stream, 'bench');
      const messages = await consumer.consume({ max_messages: IN_FLIGHT, expires: 5_000 });
      stop = () => messages.stop();
      void (async () => {
        for await (const m of messages) {
          const data = JSON.parse(decoder.decode(m.data)) as Posted;
          latencies.received(data.n);
          m.ack();
          deliveries.hit();
        }
      })();
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const client = js!;
      await runLoad(n, load, deliveries, (i, at) => {
        latencies.sent(i, at);
        return client.publish(subject, JSON.stringify(numbered(i)), {
          msgID: `${tag}-${published++}`,
        });
      });
      return { latencyMs: latencies.result() };
    },
    async teardown() {
      stop?.();
      await jsm?.streams.delete(stream).catch(() => undefined);
      await pub?.close();
      await sub?.close();
    },
  };
}

/** Herald's durable topic on NATS: two buses, a `{ durable }` subscription. */
export function heraldJetStreamSystem(load: Load): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  const prefix = `hbenchjs${randomBytes(4).toString('hex')}`;
  let buses: Bus<typeof durableRegistry.defs>[] = [];
  return {
    id: 'herald-nats-durable',
    label: 'Herald, NATS durable topic (JetStream)',
    note: `herald ${heraldVersion()} durable topic on @nats-io/jetstream ${jsVersion()}: publish awaited (PubAck, Nats-Msg-Id = Herald id), subscribe { durable } (explicit ack, ${IN_FLIGHT} in flight), validation, HMAC signing, verification and stored-time freshness on; publishes ${describeLoad(load)}`,
    versions: { '@nats-io/jetstream': jsVersion() },
    async setup() {
      buses = ['pub', 'sub'].map((role) =>
        createBus({
          registry: durableRegistry,
          keys: KEYS,
          nodeId: `bench-js-${role}`,
          log: false,
          transport: natsTransport({ url: NATS_URL, prefix }),
        }),
      );
      for (const bus of buses) await bus.start();
      await buses[1]!.subscribe(
        DURABLE_TOPIC,
        (message) => {
          latencies.received(message.payload.n);
          deliveries.hit();
        },
        { durable: 'bench', redelivery: { maxInFlight: IN_FLIGHT } },
      );
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const bus = buses[0]!;
      await runLoad(n, load, deliveries, (i, at) => {
        latencies.sent(i, at);
        return bus.broadcast(DURABLE_TOPIC, 'posted', numbered(i));
      });
      return { latencyMs: latencies.result() };
    },
    verify() {
      const rejected = buses.reduce((sum, b) => sum + b.stats().rejectedTotal, 0);
      if (rejected > 0) throw new Error(`herald-nats-durable: ${rejected} rejected`);
    },
    async teardown() {
      for (const bus of buses) await bus.stop();
      const nc = await connect({ servers: NATS_URL });
      const manager = await jetstreamManager(nc);
      await manager.streams.delete(streamName(prefix, 'bench-durable:{id}')).catch(() => undefined);
      // The consumer's handled-id record (docs/transports/nats.md, "Once per handler").
      const record = handledStream(prefix, {
        kind: 'durable',
        name: 'bench',
        channel: DURABLE_TOPIC,
      });
      await manager.streams.delete(record.name).catch(() => undefined);
      await nc.close();
    },
  };
}
