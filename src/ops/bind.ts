/**
 * What the broadcaster uses of its bus — the public API only — and the check, at bind time, that
 * the bus's registry declares the catalogue topics it publishes (`herald/catalog`, or a registry
 * that includes its topics).
 */
import type { TransportStatus } from '../adapters/transport.js';
import type { BusStats, PublishReceipt } from '../bus/types.js';
import type { ClusterPresence } from '../catalog/index.js';
import type { Bus } from '../create-bus.js';
import { ConfigError } from '../errors.js';
import type { PresenceEvent, PresenceSubscription } from '../presence/types.js';

/** The public API of the bus, as the broadcaster calls it (topics checked by `checkRegistry`). */
export interface OpsBus {
  readonly nodeId: string;
  broadcast(topic: string, event: string, payload: object): Promise<PublishReceipt>;
  stats(): BusStats;
  transport(): TransportStatus;
  readonly presence: {
    readonly enabled: boolean;
    track(topic: string, key: string, meta: ClusterPresence): Promise<string>;
    update(
      topic: string,
      key: string,
      meta: (current: ClusterPresence) => ClusterPresence,
    ): Promise<string | undefined>;
    subscribe(
      topic: string,
      handler: (event: PresenceEvent<ClusterPresence>) => void,
    ): Promise<PresenceSubscription>;
  };
}

/** The topic, by sample concrete name, and the events the broadcaster publishes on it. */
const NEEDED: readonly (readonly [string, readonly string[]])[] = [
  ['system:n', ['started', 'stopping', 'config_changed']],
  ['health:node:n', ['status']],
  ['health:cluster', ['status']],
  ['metrics:c', ['bus', 'metric']],
  ['alerts:critical', ['raised', 'resolved']],
  ['lifecycle:n', ['process_started', 'process_exited']],
];

/**
 * Checks that the bus declares every catalogue topic and event the broadcaster publishes, and
 * returns it as an OpsBus. Throws a ConfigError naming the first one missing.
 */
export function checkRegistry(bus: Bus): OpsBus {
  for (const [topic, events] of NEEDED) {
    const entry = bus.registry.resolve(topic)?.entry;
    const missing = entry === undefined ? 'topic' : events.find((e) => !entry.events.has(e));
    if (missing !== undefined) {
      throw new ConfigError(
        `operations: the bus's registry lacks ${missing === 'topic' ? 'the topic' : `event "${missing}" of`} "${topic}"`,
        {
          topic,
          hint: "create the bus with registry: catalog from 'herald/catalog' (or include its topics)",
        },
      );
    }
  }
  // Checked above: the registry declares these topics with the catalogue's events, so the
  // broadcaster's payloads (typed from the catalogue's schemas) are the ones it validates.
  return bus as unknown as OpsBus;
}
