/**
 * NATS systems in one process, 250-byte JSON: raw nats.js core (one publish connection, one
 * subscribe connection, `publish` one message at a time), Herald's NATS transport as a pair of
 * buses, and Herald's consumer group of 3 members against the same with one plain subscriber.
 */
import { createSecretKey } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { type Bus, createBus, type Message } from '../../src/index.js';
import { createValidator } from '../../src/internal.js';
import { KEY_BYTES, KEYS, type Posted, PostedSchema, registry, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { NATS_URL } from '../servers.js';
import { Deliveries, describeLoad, Latencies, type Load, runLoad } from '../support.js';
import { heraldVersion, versionOf } from '../versions.js';
import { heraldPairSystem, numbered } from './herald-pair.js';
import { createSignedJson } from './signed-json.js';

const natsVersion = (): string => versionOf('@nats-io/transport-node');

/**
 * Raw nats.js: `publish(subject, json)` → subscription callback → `JSON.parse`; with `signed`,
 * the hand-written HMAC-signed JSON and compiled TypeBox check instead (what Herald does by hand).
 */
export function rawNatsSystem(load: Load, signed: boolean): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  const subject = `bench.raw.${Math.random().toString(36).slice(2, 8)}`;
  const validator = createValidator(PostedSchema);
  const codec = createSignedJson(createSecretKey(KEY_BYTES), (v) => validator.check(v));
  let pub: NatsConnection | undefined;
  let sub: NatsConnection | undefined;
  let rejected = 0;
  const decoder = new TextDecoder();
  const read = (text: string): Posted | undefined =>
    signed ? (codec.decode(text) as Posted | undefined) : (JSON.parse(text) as Posted);
  return {
    id: signed ? 'signed-json-nats.js' : 'nats.js',
    label: signed ? 'hand-written signed JSON on nats.js' : 'raw nats.js core, JSON',
    note: `@nats-io/transport-node ${natsVersion()}, one publish connection, one subscribe connection, publishes ${describeLoad(load)}, ${signed ? 'hand-written HMAC-SHA256 signed JSON + compiled TypeBox check' : 'plain JSON.stringify / JSON.parse'}`,
    versions: { '@nats-io/transport-node': natsVersion() },
    async setup() {
      pub = await connect({ servers: NATS_URL });
      sub = await connect({ servers: NATS_URL });
      sub.subscribe(subject, {
        callback: (_error, msg) => {
          const data = read(decoder.decode(msg.data));
          if (data === undefined) {
            rejected++;
            return;
          }
          latencies.received(data.n);
          deliveries.hit();
        },
      });
      await sub.flush();
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const p = pub!;
      await runLoad(n, load, deliveries, (i, at) => {
        latencies.sent(i, at);
        const data = numbered(i);
        if (!signed) p.publish(subject, JSON.stringify(data));
        else if (!validator.check(data)) throw new Error('invalid bench payload');
        else p.publish(subject, codec.encode(subject, i, data));
        return Promise.resolve();
      });
      return { latencyMs: latencies.result() };
    },
    verify() {
      if (rejected > 0) throw new Error(`nats.js: ${rejected} messages rejected`);
    },
    async teardown() {
      await pub?.close();
      await sub?.close();
    },
  };
}

/**
 * Herald's NATS transport, validation and signing on, two buses: default settings (micro-batching:
 * NATS is a remote transport), or `batching: false` (one publish per message).
 */
export function heraldNatsSystem(load: Load, mode: 'default' | 'unbatched' = 'default'): System {
  const unbatched = mode === 'unbatched';
  return heraldPairSystem({
    id: unbatched ? 'herald-nats-unbatched' : 'herald-nats',
    label: unbatched ? 'Herald, NATS, batching: false' : 'Herald, NATS, default settings',
    note: `herald ${heraldVersion()} natsTransport on @nats-io/transport-node ${natsVersion()}, ${unbatched ? 'batching: false (one publish per message)' : 'default options (micro-batching)'}, publishes ${describeLoad(load)}, two buses, one connection each; validation, HMAC signing, verification and replay check on`,
    load,
    ...(unbatched ? { batching: false } : {}),
    versions: { '@nats-io/transport-node': natsVersion() },
    transport: () => natsTransport({ url: NATS_URL, prefix: `herald-bench-${mode}` }),
  });
}

/**
 * Herald on NATS, one publisher bus and `members` subscriber buses: each subscribed with
 * `{ group }` (every message handled once among them), or one plain subscription (`members` 1).
 */
export function heraldNatsGroupSystem(load: Load, members: number, group: boolean): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  let buses: Bus<typeof registry.defs>[] = [];
  const id = group ? `herald-nats-group-${members}` : 'herald-nats-plain';
  return {
    id,
    label: group
      ? `Herald, NATS, consumer group of ${members}`
      : 'Herald, NATS, one plain subscriber',
    note: `herald ${heraldVersion()} natsTransport, one publisher bus and ${members} subscriber bus(es)${group ? ` subscribed with { group }` : ''}, publishes ${describeLoad(load)}`,
    versions: { '@nats-io/transport-node': natsVersion() },
    async setup() {
      const prefix = `herald-bench-${id}-${Math.random().toString(36).slice(2, 8)}`;
      buses = Array.from({ length: members + 1 }, (_, i) =>
        createBus({
          registry,
          keys: KEYS,
          nodeId: `bench-${id}-${i}`,
          transport: natsTransport({ url: NATS_URL, prefix }),
        }),
      );
      for (const bus of buses) await bus.start();
      for (const bus of buses.slice(1)) {
        await bus.subscribe(
          TOPIC,
          (message: Message) => {
            latencies.received((message.payload as Posted).n);
            deliveries.hit();
          },
          group ? { group: 'bench' } : {},
        );
      }
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const bus = buses[0]!;
      await runLoad(n, load, deliveries, (i, at) => {
        latencies.sent(i, at);
        return bus.broadcast(TOPIC, 'posted', numbered(i));
      });
      return { latencyMs: latencies.result() };
    },
    verify() {
      const rejected = buses.reduce((sum, b) => sum + b.stats().rejectedTotal, 0);
      if (rejected > 0) throw new Error(`${id}: ${rejected} rejected`);
    },
    async teardown() {
      for (const bus of buses) await bus.stop();
    },
  };
}
