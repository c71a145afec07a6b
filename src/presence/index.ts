/**
 * Presence (`bus.presence`): who is on a topic, on every node, updated live — Phoenix.Presence
 * over any Herald transport. Each node owns and versions its own presences and replicates them
 * to its peers through the bus, as signed messages on the reserved `$presence` topic (see
 * tracker.ts for the protocol, docs/presence.md for the guarantees and settings).
 *
 * This module wires the call checks (checks.ts), the API (api.ts), the tracker and the view
 * together, and hands the bus what it calls on start, stop, receive and gap.
 */
import type { Registry, TopicDefs } from '../schemas/define.js';
import { presenceApi } from './api.js';
import { presenceChecks, settingsOf } from './checks.js';
import { type PresencePort, PresenceTracker } from './tracker.js';
import type { Presence, PresenceOptions } from './types.js';
import { PresenceView } from './view.js';

export { MAX_META_BYTES, PRESENCE_DEFAULTS } from './checks.js';
export type { PresencePort } from './tracker.js';
export { PRESENCE_CHANNEL, PresenceWire } from './wire.js';

/** What the bus holds: the public API plus the calls it makes on start, stop and receive. */
export interface PresenceEngine<D extends TopicDefs = TopicDefs> {
  readonly api: Presence<D>;
  readonly enabled: boolean;
  /** Starts heartbeats once the bus is started (and subscribed to `$presence`). */
  start(): void;
  /** Broadcasts this node's leave and forgets every presence; call while the bus can still send. */
  stop(): Promise<void>;
  receive(node: string, event: string, data: unknown): void;
  /** Messages may have been lost (a transport gap): resynchronise. */
  resync(): void;
}

/** Everything `createPresence` needs. */
export interface PresenceContext {
  readonly registry: Registry;
  readonly port: PresencePort;
  /** `false` turns presence off; `undefined` runs it when the registry declares a presence topic. */
  readonly options: PresenceOptions | boolean | undefined;
  /** Whether the bus is started (calls before `start()` or after `stop()` throw). */
  readonly state: () => string;
  /** A presence subscriber's handler or fetch threw. */
  readonly onError: (topic: string, error: unknown) => void;
}

/** Creates the presence engine of one bus. Invalid settings throw a ConfigError here. */
export function createPresence<D extends TopicDefs = TopicDefs>(
  context: PresenceContext,
): PresenceEngine<D> {
  const { registry, port } = context;
  const declared = registry.entries.some((entry) => entry.def.presence !== undefined);
  const enabled = context.options === false ? false : context.options !== undefined || declared;
  const settings = settingsOf(typeof context.options === 'object' ? context.options : {});
  const view = new PresenceView(context.onError);
  const checks = presenceChecks({
    registry,
    enabled,
    // Called on API calls only, once the tracker below exists.
    running: () => tracker.running,
    state: context.state,
  });
  const tracker = new PresenceTracker(port, settings, view, checks.entryCheck);
  const api = presenceApi({ enabled, settings, checks, tracker, view });

  return {
    // The checks stand in for the registry's types, which only the caller's Bus<D> has.
    api: api as unknown as Presence<D>,
    enabled,
    start: () => {
      if (enabled) tracker.start();
    },
    stop: () => tracker.stop(),
    receive: (node, event, data) => tracker.receive(node, event, data),
    resync: () => tracker.resync(),
  };
}
