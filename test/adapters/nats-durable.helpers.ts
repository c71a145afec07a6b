/**
 * Shared pieces of the durable-topic tests: a registry with a durable topic, buses on NATS under
 * a unique prefix, a raw JetStream client (to play the attacker and to clean the streams up).
 */
import { randomBytes } from 'node:crypto';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { handledStream } from '../../src/adapters/nats/jetstream.js';
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

/** One line of a consumer's handled-id record, with the time the server stored its record. */
export interface HandledEntry {
  readonly id: string;
  readonly position: number;
  readonly storedAt: number;
}

/**
 * Every line of the handled-id record of the durable consumer `name` on `channel`
 * (docs/transports/nats.md "Once per handler"), read with raw JetStream.
 */
export async function readHandledRecord(
  url: string,
  prefix: string,
  channel: string,
  name: string,
  kind: 'durable' | 'group' = 'durable',
): Promise<HandledEntry[]> {
  const { nc, jsm } = await rawJetStream(url);
  try {
    const record = handledStream(prefix, { kind, name, channel }).name;
    const last = (await jsm.streams.info(record)).state.last_seq;
    const entries: HandledEntry[] = [];
    for (let seq = 1; seq <= last; seq++) {
      const m = await jsm.streams.getMessage(record, { seq }).catch(() => null);
      if (!m) continue;
      for (const line of new TextDecoder().decode(m.data).split('\n').filter(Boolean)) {
        const [position, id] = line.split(' ');
        entries.push({ id: id!, position: Number(position), storedAt: m.time.getTime() });
      }
    }
    return entries;
  } finally {
    await nc.close();
  }
}
