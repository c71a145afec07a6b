/**
 * Redis fan-out: one publisher, 10 subscribers, in one process. Raw ioredis gives each subscriber
 * its own connection (10 server subscriptions, 10 `JSON.parse`s per message). Herald runs twice:
 * with 10 subscriber buses (10 connections, 10 verifications per message), and with one subscriber
 * bus holding 10 subscriptions: one server subscription, the message decoded and verified once,
 * then dispatched locally — Phoenix.PubSub's model.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { type Bus, createBus, type Message } from '../../src/index.js';
import { KEYS, type Posted, registry, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { REDIS } from '../servers.js';
import { Deliveries, drive } from '../support.js';
import { heraldVersion, versionOf } from '../versions.js';
import { numbered } from './herald-pair.js';

/** Subscribers per message. */
export const FANOUT = 10;

/** Raw ioredis: one publish connection, {@link FANOUT} subscribe connections. */
export function rawFanoutSystem(window: number): System {
  const deliveries = new Deliveries();
  // Of its own per run: concurrent benches on one Redis never cross-talk.
  const channel = `bench:fanout:ioredis:${randomBytes(4).toString('hex')}`;
  let publisher: Redis | undefined;
  const subscribers: Redis[] = [];
  const ioredis = versionOf('ioredis');
  return {
    id: 'ioredis-fanout',
    label: `raw ioredis, ${FANOUT} subscriber connections`,
    note: `ioredis ${ioredis}, no auto-pipelining, one publish connection and ${FANOUT} subscribe connections, JSON.parse on each, up to ${window} messages in flight`,
    versions: { ioredis },
    async setup() {
      const base = { ...REDIS, lazyConnect: true, maxRetriesPerRequest: 1 };
      publisher = new Redis(base);
      await publisher.connect();
      for (let i = 0; i < FANOUT; i++) {
        const sub = new Redis(base);
        await sub.connect();
        sub.on('message', (_: string, text: string) => {
          if ((JSON.parse(text) as Posted).n >= 0) deliveries.hit();
        });
        await sub.subscribe(channel);
        subscribers.push(sub);
      }
    },
    async run(n) {
      const pub = publisher!;
      await drive(
        n,
        window,
        deliveries,
        (i) => pub.publish(channel, JSON.stringify(numbered(i))),
        FANOUT,
      );
      return undefined;
    },
    async teardown() {
      await Promise.all(
        [publisher, ...subscribers].map((c) => c?.quit().catch(() => c.disconnect())),
      );
    },
  };
}

/** Herald: a publisher bus, and either {@link FANOUT} subscriber buses or one with FANOUT subscriptions. */
export function heraldFanoutSystem(window: number, mode: 'buses' | 'local'): System {
  const deliveries = new Deliveries();
  let publisher: Bus<typeof registry.defs> | undefined;
  const receivers: Bus<typeof registry.defs>[] = [];
  const prefix = `herald-bench-fanout-${mode}-${randomBytes(4).toString('hex')}:`;
  const transport = () => redisTransport({ ...REDIS, prefix });
  const handler = (message: Message): void => {
    if ((message.payload as Posted).n >= 0) deliveries.hit();
  };
  return {
    id: mode === 'buses' ? 'herald-fanout-buses' : 'herald-fanout-local',
    label:
      mode === 'buses'
        ? `Herald, ${FANOUT} subscriber buses`
        : `Herald, 1 bus, ${FANOUT} subscriptions`,
    note:
      mode === 'buses'
        ? `herald ${heraldVersion()} redisTransport, ${FANOUT} subscriber buses with their own connections: each decodes, verifies, checks and validates every message`
        : `herald ${heraldVersion()} redisTransport, one subscriber bus with ${FANOUT} subscriptions on the topic: one server subscription, each message decoded, verified and validated once, then dispatched locally`,
    versions: { ioredis: versionOf('ioredis') },
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
