/**
 * The conformance suite's options and per-test harness: buses on fresh transport instances
 * (stopped after each test), topic names unique to the run, and fences.
 *
 * A fence is how the suite proves a negative without sleeping: after a batch, the publisher
 * broadcasts a `fence` message on the same topic; per-publisher ordering means that once the
 * fence has arrived, everything published before it on that topic has arrived too.
 */
import { randomBytes } from 'node:crypto';
import type { Transport } from '../adapters/transport.js';
import type { Bus } from '../create-bus.js';
import { DEFAULT_MAX_BYTES } from '../rules.js';
import type { KeyConfig } from '../security/keys.js';
import { createTestBuses } from './buses.js';
import type { Collector } from './collect.js';
import { testKeys } from './keys.js';
import { newRunId, type TestTopics, testRegistry } from './registry.js';

/** Options of `runTransportConformance`. */
export interface TransportConformanceOptions {
  /** Shown in the suite's name, e.g. `redis`. */
  readonly name: string;
  /** Makes a fresh, unconnected transport; called once per bus (2-4 per test). */
  readonly createTransport: () => Transport | Promise<Transport>;
  /**
   * The server-side channels a transport instance is subscribed to, for leak checks:
   * `PUBSUB CHANNELS` on Redis (server-wide is fine: topics are unique per run),
   * `pg_listening_channels()` on the transport's LISTEN connection for PostgreSQL.
   * Without it, only `status().channels` is checked.
   */
  readonly serverChannels?: (transport: Transport) => Promise<readonly string[]>;
  /**
   * Maps a bus channel (`herald-test:<run>:a`, `$node:<id>`) to the server's name for it
   * (a prefix, a hash). @default the identity
   */
  readonly channelName?: (channel: string) => string;
  /** Size of the large-payload case, in bytes. @default 262144 (256 KiB) */
  readonly largePayloadBytes?: number;
  /** Messages per publisher in the ordering case. @default 1000 */
  readonly orderedMessages?: number;
  /** Longest wait for an expected message, in ms. @default 10000 */
  readonly waitMs?: number;
  /** How long a negative check ("nothing arrives") waits when no fence can prove it, in ms. @default 250 */
  readonly settleMs?: number;
  /** Timeout of each test, in ms. @default 60000 */
  readonly testTimeoutMs?: number;
  /**
   * Runs every bus with micro-batching on (`createBus({ batching })`): the same cases must hold
   * when messages travel in batch envelopes. @default false
   */
  readonly batching?: boolean;
}

/** Options with their defaults applied. */
export type ResolvedConformanceOptions = Required<
  Omit<TransportConformanceOptions, 'serverChannels'>
> &
  Pick<TransportConformanceOptions, 'serverChannels'>;

/** One test's view of the world. */
export interface Harness {
  readonly options: ResolvedConformanceOptions;
  /** Unique to this test: every topic built with `topic()` carries it. */
  readonly run: string;
  /** Starts `count` buses, each on a fresh transport; they are stopped after the test. */
  nodes(count: number, keys?: KeyConfig): Promise<Bus<TestTopics>[]>;
  /** The transport instance of a bus started by `nodes()`. */
  transportOf(bus: Bus<TestTopics>): Transport;
  /** The concrete `note` topic `herald-test:<run>:<name>`. */
  topic(name: string): `herald-test:${string}:${string}`;
  /** Broadcasts a fence on `topic` from `publisher` and waits until every collector has it. */
  fence(publisher: Bus<TestTopics>, topic: string, collectors: readonly Collector[]): Promise<void>;
  /** Stops everything this test started. */
  cleanup(): Promise<void>;
}

/** Applies the defaults. */
export function resolveOptions(options: TransportConformanceOptions): ResolvedConformanceOptions {
  return {
    channelName: (channel) => channel,
    largePayloadBytes: 256 * 1024,
    orderedMessages: 1000,
    waitMs: 10_000,
    settleMs: 250,
    testTimeoutMs: 60_000,
    batching: false,
    ...options,
  };
}

/** A new harness for one test. */
export function createHarness(options: ResolvedConformanceOptions): Harness {
  const run = newRunId();
  const stops: (() => Promise<void>)[] = [];
  const transports = new Map<Bus<TestTopics>, Transport>();
  // Big payloads must fit the decode limit (a payload is about 1.4x larger once encoded); never
  // below the default.
  const maxBytes = Math.max(DEFAULT_MAX_BYTES, Math.ceil(options.largePayloadBytes * 1.5) + 4096);
  let fences = 0;

  return {
    options,
    run,
    async nodes(count, keys = testKeys()) {
      const made: Transport[] = [];
      const started = await createTestBuses(count, {
        registry: testRegistry,
        keys,
        nodePrefix: `conf-${randomBytes(3).toString('hex')}`,
        busOptions: { limits: { maxBytes }, batching: options.batching },
        transportFactory: async () => {
          const transport = await options.createTransport();
          made.push(transport);
          return transport;
        },
      });
      stops.push(started.stopAll);
      // createTestBuses calls the factory once per bus, in index order.
      for (const [index, bus] of started.buses.entries()) {
        transports.set(bus, made[index] as Transport);
      }
      return [...started.buses];
    },
    transportOf(bus) {
      const transport = transports.get(bus);
      if (!transport) throw new Error('transportOf: this bus was not started by harness.nodes()');
      return transport;
    },
    topic: (name) => testRegistry.topic('note', { run, name }),
    async fence(publisher, topic, collectors) {
      const id = `fence-${++fences}`;
      const arrived = collectors.map((c) =>
        c.waitUntil(
          (m) => m.event === 'fence' && (m.payload as { id?: unknown }).id === id,
          options.waitMs,
        ),
      );
      await publisher.broadcast(topic as `herald-test:${string}:${string}`, 'fence', { id });
      await Promise.all(arrived);
    },
    async cleanup() {
      const results = await Promise.allSettled(stops.splice(0).map((stop) => stop()));
      transports.clear();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
