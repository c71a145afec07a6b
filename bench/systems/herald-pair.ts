/**
 * Herald across a transport: a publisher bus and a subscriber bus, each on its own transport
 * instance, in one process. Every message is validated, encoded and signed on bus A, carried by
 * the transport, then decoded, verified, checked for freshness, validated and dispatched on bus B.
 * Each message carries its number in `payload.n`, so every delivery records a latency.
 */
import { type Bus, createBus, type Message, type Transport } from '../../src/index.js';
import {
  FLEET_TEMPLATE,
  FLEET_TOPICS,
  KEYS,
  PAYLOADS,
  type Posted,
  registry,
  TOPIC,
} from '../fixtures.js';
import type { System } from '../harness.js';
import { Deliveries, Latencies, type Load, runLoad } from '../support.js';

/** The concrete topics the template rows publish on. */
const fleet = Array.from({ length: FLEET_TOPICS }, (_, i) => `fleet:n${i}` as const);

/** Message `i` of a run: a pooled payload carrying its number. */
export const numbered = (i: number): Posted => ({ ...PAYLOADS[i & 63]!, n: i });

/** What differs between Herald pairs. */
export interface HeraldPairOptions {
  readonly id: string;
  readonly label: string;
  readonly note: string;
  /** A window in flight (at most 1024, the queue limit), or a fixed rate. */
  readonly load: Load;
  /** A fresh transport for one bus. */
  transport(): Transport;
  readonly versions?: Readonly<Record<string, string>>;
  /** Runs once both buses started and subscribed (e.g. opens pool connections). */
  started?(): Promise<void>;
  /** Runs after both buses stopped (e.g. ends a pool the transports shared). */
  cleanup?(): Promise<void>;
  /** The publisher bus's `batching` option. @default unset: the bus's default (on over remote transports) */
  readonly batching?: boolean;
  /**
   * Publish round-robin on FLEET_TOPICS concrete topics of a wildcard template and subscribe to
   * the template itself (docs/templates.md). @default false: one concrete topic
   */
  readonly template?: boolean;
  /**
   * Publish as `template` does, but subscribe to each of the FLEET_TOPICS concrete topics on its
   * own (FLEET_TOPICS subscriptions): the same traffic as `template`, received by concrete
   * subscriptions, the reference a template subscription is compared with. @default false
   */
  readonly fleet?: boolean;
}

/** Herald: bus A publishes, bus B's handler receives. */
export function heraldPairSystem(options: HeraldPairOptions): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  let publisher: Bus<typeof registry.defs> | undefined;
  let subscriber: Bus<typeof registry.defs> | undefined;
  if ('window' in options.load && options.load.window > 1024) {
    throw new Error(`window ${options.load.window} exceeds the queue limit`);
  }
  return {
    id: options.id,
    label: options.label,
    note: options.note,
    ...(options.versions ? { versions: options.versions } : {}),
    async setup() {
      const suffix = Math.random().toString(36).slice(2, 8);
      publisher = createBus({
        registry,
        keys: KEYS,
        nodeId: `bench-a-${suffix}`,
        transport: options.transport(),
        ...(options.batching === undefined ? {} : { batching: options.batching }),
      });
      subscriber = createBus({
        registry,
        keys: KEYS,
        nodeId: `bench-b-${suffix}`,
        transport: options.transport(),
      });
      await publisher.start();
      await subscriber.start();
      const handler = (message: Message): void => {
        latencies.received((message.payload as Posted).n);
        deliveries.hit();
      };
      if (options.fleet) {
        for (const topic of fleet) await subscriber.subscribe(topic, handler);
      } else {
        await subscriber.subscribe(options.template ? FLEET_TEMPLATE : TOPIC, handler);
      }
      await options.started?.();
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      const bus = publisher!;
      await runLoad(n, options.load, deliveries, (i, at) => {
        latencies.sent(i, at);
        if (options.template || options.fleet) {
          return bus.broadcast(fleet[i % FLEET_TOPICS]!, 'posted', numbered(i));
        }
        return bus.broadcast(TOPIC, 'posted', numbered(i));
      });
      return { latencyMs: latencies.result() };
    },
    async verify() {
      // A delivery can beat the publisher's own acknowledgement (NOTIFY reaches the listener
      // before the query returns): give the last publishes a moment to settle.
      for (let i = 0; i < 50 && publisher!.stats().sent < publisher!.stats().published; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const sub = subscriber!.stats();
      const pub = publisher!.stats();
      if (sub.rejectedTotal > 0 || sub.overflowDrops > 0 || pub.sent !== pub.published) {
        throw new Error(
          `${options.label}: ${sub.rejectedTotal} rejected, ${sub.overflowDrops} dropped, ${pub.sent}/${pub.published} sent`,
        );
      }
    },
    async teardown() {
      await publisher?.stop();
      await subscriber?.stop();
      await options.cleanup?.();
    },
  };
}
