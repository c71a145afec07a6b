/**
 * NATS fan-out: one publisher, 10 subscribers, in one process (as redis-fanout.ts). Raw nats.js
 * core gives each subscriber its own connection; Herald runs with 10 subscriber buses (10
 * connections, 10 verifications per message) and with one bus holding 10 subscriptions (one
 * server subscription, verified once, dispatched locally). Default settings (micro-batching).
 */
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { type Bus, createBus, type Message } from '../../src/index.js';
import { KEYS, type Posted, registry, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { NATS_URL } from '../servers.js';
import { Deliveries, drive } from '../support.js';
import { heraldVersion, versionOf } from '../versions.js';
import { numbered } from './herald-pair.js';
import { FANOUT } from './redis-fanout.js';

const natsVersion = (): string => versionOf('@nats-io/transport-node');

/** Raw nats.js core: one publish connection, {@link FANOUT} subscribe connections. */
export function rawNatsFanoutSystem(window: number): System {
  const deliveries = new Deliveries();
  const subject = `bench.fanout.raw.${Math.random().toString(36).slice(2, 8)}`;
  let publisher: NatsConnection | undefined;
  const subscribers: NatsConnection[] = [];
  const decoder = new TextDecoder();
  return {
    id: 'nats.js-fanout',
    label: `raw nats.js core, ${FANOUT} subscriber connections`,
    note: `@nats-io/transport-node ${natsVersion()}, one publish connection and ${FANOUT} subscribe connections, JSON.parse on each, up to ${window} messages in flight`,
    versions: { '@nats-io/transport-node': natsVersion() },
    async setup() {
      publisher = await connect({ servers: NATS_URL });
      for (let i = 0; i < FANOUT; i++) {
        const sub = await connect({ servers: NATS_URL });
        sub.subscribe(subject, {
          callback: (_error, msg) => {
            if ((JSON.parse(decoder.decode(msg.data)) as Posted).n >= 0) deliveries.hit();
          },
        });
        await sub.flush();
        subscribers.push(sub);
      }
    },
    async run(n) {
      const pub = publisher!;
      await drive(
        n,
        window,
        deliveries,
        (i) => {
          pub.publish(subject, JSON.stringify(numbered(i)));
          return Promise.resolve();
        },
        FANOUT,
      );
      return undefined;
    },
    async teardown() {
      await Promise.all([publisher, ...subscribers].map((c) => c?.close().catch(() => {})));
    },
  };
}

/** Herald: a publisher bus, and either {@link FANOUT} subscriber buses or one with FANOUT subscriptions. */
export function heraldNatsFanoutSystem(window: number, mode: 'buses' | 'local'): System {
  const deliveries = new Deliveries();
  let publisher: Bus<typeof registry.defs> | undefined;
  const receivers: Bus<typeof registry.defs>[] = [];
  const prefix = `herald-bench-fanout-${mode}-${randomBytes(4).toString('hex')}`;
  const transport = () => natsTransport({ url: NATS_URL, prefix });
  const handler = (message: Message): void => {
    if ((message.payload as Posted).n >= 0) deliveries.hit();
  };
  return {
    id: mode === 'buses' ? 'herald-nats-fanout-buses' : 'herald-nats-fanout-local',
    label:
      mode === 'buses'
        ? `Herald, ${FANOUT} subscriber buses`
        : `Herald, 1 bus, ${FANOUT} subscriptions`,
    note:
      mode === 'buses'
        ? `herald ${heraldVersion()} natsTransport, ${FANOUT} subscriber buses with their own connections: each decodes, verifies, checks and validates every message`
        : `herald ${heraldVersion()} natsTransport, one subscriber bus with ${FANOUT} subscriptions on the topic: one server subscription, each message decoded, verified and validated once, then dispatched locally`,
    versions: { '@nats-io/transport-node': natsVersion() },
    async setup() {
      const suffix = Math.random().toString(36).slice(2, 8);
      publisher = createBus({
        registry,
        keys: KEYS,
        nodeId: `fan-pub-${suffix}`,
        transport: transport(),
      });
      await publisher.start();
      const buses = mode === 'buses' ? FANOUT : 1;
      for (let b = 0; b < buses; b++) {
        const bus = createBus({
          registry,
          keys: KEYS,
          nodeId: `fan-${b}-${suffix}`,
          transport: transport(),
        });
        await bus.start();
        receivers.push(bus);
        const subscriptions = mode === 'buses' ? 1 : FANOUT;
        for (let s = 0; s < subscriptions; s++) await bus.subscribe(TOPIC, handler);
      }
    },
    async run(n) {
      const bus = publisher!;
      await drive(
        n,
        window,
        deliveries,
        (i) => bus.broadcast(TOPIC, 'posted', numbered(i)),
        FANOUT,
      );
      return undefined;
    },
    verify() {
      for (const bus of receivers) {
        const s = bus.stats();
        if (s.rejectedTotal > 0 || s.overflowDrops > 0) {
          throw new Error(`${bus.nodeId}: ${s.rejectedTotal} rejected, ${s.overflowDrops} dropped`);
        }
      }
    },
    async teardown() {
      await publisher?.stop();
      await Promise.all(receivers.splice(0).map((b) => b.stop()));
    },
  };
}
