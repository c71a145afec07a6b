/**
 * Shared pieces of the durable-topic tests: a registry with a durable topic, buses on NATS under
 * a unique prefix, a raw JetStream client (to play the attacker and to clean the streams up).
 */
import { randomBytes } from 'node:crypto';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import { natsTransport } from '../../src/adapters/nats/index.js';
import {
  type Bus,
  type BusOptions,
  createBus,
  defineTopics,
  event,
  topic,
} from '../../src/index.js';
import { keys } from '../fixtures/registry.js';

/** A registry with one durable topic (`orders:{region}`) and one live one (`chat:{room}`). */
export const durableRegistry = defineTopics({
  orders: topic('orders:{region}', {
    events: { placed: event(Type.Object({ n: Type.Integer({ minimum: 0 }) })) },
    durable: { maxAgeMs: 3_600_000, maxBytes: 1 << 24 },
  }),
  chat: topic('chat:{room}', { events: { said: event(Type.Object({ n: Type.Integer() })) } }),
});
export type Defs = typeof durableRegistry.defs;

export const newPrefix = (): string => `hdur${randomBytes(4).toString('hex')}`;

type Extra = Omit<Partial<BusOptions<Defs>>, 'registry' | 'transport'>;

/** Buses on one NATS server, all stopped by `stopAll`. */
export function busFactory(url: string) {
  const buses: Bus<Defs>[] = [];
  return {
    async bus(nodeId: string, prefix: string, extra: Extra = {}): Promise<Bus<Defs>> {
      const b = createBus({
        registry: durableRegistry,
        keys,
        nodeId,
        log: false,
        ...extra,
        transport: natsTransport({ url, prefix }),
      });
      buses.push(b);
      await b.start();
      return b;
    },
    async stopAll(): Promise<void> {
      await Promise.all(buses.splice(0).map((b) => b.stop()));
    },
  };
}

/** A raw nats.js connection with its JetStream clients. */
export async function rawJetStream(url: string) {
  const nc: NatsConnection = await connect({ servers: url });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  return { nc, js: jetstream(nc), jsm };
}

/** Deletes every stream whose name starts with one of `prefixes` (the tests' own). */
export async function deleteStreams(jsm: JetStreamManager, prefixes: readonly string[]) {
  for await (const info of jsm.streams.list()) {
    if (prefixes.some((p) => info.config.name.startsWith(`${p}_`))) {
      await jsm.streams.delete(info.config.name).catch(() => undefined);
    }
  }
}

/** Resolves when `condition` holds, or throws after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
