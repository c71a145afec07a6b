/**
 * `createBus`: the bus (src/bus/) with its system features installed — presence (src/presence/)
 * always, and the features the application passes in `features` (the operations broadcaster of
 * herald/ops). Each feature is a client of the bus through one internal port (src/bus/system.ts)
 * and its public API; the bus itself imports none of them.
 */
import { assembleBus } from './bus/bus.js';
import type { SystemFeature } from './bus/system.js';
import type { BusCore, BusCoreOptions } from './bus/types.js';
import { presenceFeature } from './presence/feature.js';
import type { Presence, PresenceOptions } from './presence/types.js';
import type { TopicDefs } from './schemas/define.js';
import { otelInstrumentation } from './telemetry/otel.js';

/**
 * A system feature the application adds to a bus (e.g. `operations()` of herald/ops). createBus
 * binds it once, after presence, to the assembled bus; it is told of start and stop through the
 * system port, and stops before presence does.
 */
export interface BusFeature {
  /** Binds the feature to its bus; returns what to install. Called once, by createBus. */
  bind(bus: Bus): SystemFeature<unknown>;
}

/** Options of `createBus`. */
export interface BusOptions<D extends TopicDefs> extends BusCoreOptions<D> {
  /**
   * Presence settings (docs/presence.md); `false` turns presence off.
   * @default on when the registry declares a presence topic, with PRESENCE_DEFAULTS
   */
  readonly presence?: PresenceOptions | boolean;
  /**
   * System features to add, each bound to this bus only (docs/operations.md).
   * @example createBus({ registry: catalog, keys, features: [operations({ healthIntervalMs: 10_000 })] })
   */
  readonly features?: readonly BusFeature[];
}

/** The bus. */
export interface Bus<D extends TopicDefs = TopicDefs> extends BusCore<D> {
  /** Presence on this bus's topics: track, list, subscribe to diffs (docs/presence.md). */
  readonly presence: Presence<D>;
}

/** Creates a bus. Configuration errors (weak keys, bad node id) throw here, not at start. */
export function createBus<const D extends TopicDefs>(options: BusOptions<D>): Bus<D> {
  // The bus calls an instrumentation and imports none: OpenTelemetry's is the default, set here.
  const instrumentation = options.instrumentation ?? otelInstrumentation();
  return assembleBus(
    { ...options, instrumentation },
    (install) => ({ presence: install(presenceFeature(options.registry, options.presence)) }),
    (bus, install) => {
      // A feature sees the bus through its public API, untyped by the registry: it checks at bind
      // time that the topics it needs are declared.
      for (const feature of options.features ?? []) install(feature.bind(bus as unknown as Bus));
    },
  );
}
