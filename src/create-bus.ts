/**
 * `createBus`: the bus (src/bus/) with its system features installed — today presence
 * (src/presence/). Each feature is a client of the bus through one internal port
 * (src/bus/system.ts) and adds its API here; the bus itself imports none of them.
 */
import { assembleBus } from './bus/bus.js';
import type { BusCore, BusCoreOptions } from './bus/types.js';
import { presenceFeature } from './presence/feature.js';
import type { Presence, PresenceOptions } from './presence/types.js';
import type { TopicDefs } from './schemas/define.js';

/** Options of `createBus`. */
export interface BusOptions<D extends TopicDefs> extends BusCoreOptions<D> {
  /**
   * Presence settings (docs/presence.md); `false` turns presence off.
   * @default on when the registry declares a presence topic, with PRESENCE_DEFAULTS
   */
  readonly presence?: PresenceOptions | boolean;
}

/** The bus. */
export interface Bus<D extends TopicDefs = TopicDefs> extends BusCore<D> {
  /** Presence on this bus's topics: track, list, subscribe to diffs (docs/presence.md). */
  readonly presence: Presence<D>;
}

/** Creates a bus. Configuration errors (weak keys, bad node id) throw here, not at start. */
export function createBus<const D extends TopicDefs>(options: BusOptions<D>): Bus<D> {
  return assembleBus(options, (install) => ({
    presence: install(presenceFeature(options.registry, options.presence)),
  }));
}
