/**
 * `assembleBus`: assembles one bus from its steps, each a module a reader finds by name:
 * options.ts (checks and defaults) → context.ts (the state the steps share) → publish.ts (with
 * the route of route.ts) → receive.ts → subscribe.ts (with hooks.ts) → gaps.ts (transport
 * events) → lifecycle.ts (start, stop). System features (presence, the duplicate-node notice)
 * are clients of the bus through system.ts, never branches inside it; `createBus`
 * (src/create-bus.ts) is this with presence installed.
 */
import { ConfigError } from '../errors.js';
import type { Registry, TopicDefs } from '../schemas/define.js';
import { type BusContext, createContext } from './context.js';
import { duplicateNotice } from './duplicate-node.js';
import { checkDurableTransport } from './durable.js';
import { groupMembership } from './group-members.js';
import { start, stop } from './lifecycle.js';
import { NODE_ID, registryOf } from './options.js';
import { publish } from './publish.js';
import { BROADCAST, LOCAL, RAW } from './route.js';
import { openStream, subscribe, subscriber } from './subscribe.js';
import { install, type SystemFeature } from './system.js';
import type { BusCore, BusCoreOptions, BusStats, Subscriber, Subscription } from './types.js';

export { nodeChannel } from './context.js';
export { FAILOVER_REORDER_WINDOW } from './options.js';

/** Installs a system feature on the bus being assembled and returns its API (system.ts). */
export type Installer = <A>(feature: SystemFeature<A>) => A;

/**
 * Assembles a bus and installs its system features: `extend` gets the installer and returns the
 * APIs to add to the bus (`{ presence }`); `attach` then installs features that use the assembled
 * bus (the application's `features`). Configuration errors (weak keys, bad node id) throw here,
 * not at start.
 */
export function assembleBus<const D extends TopicDefs, X extends object>(
  options: BusCoreOptions<D>,
  extend: (install: Installer) => X,
  attach?: (bus: BusCore<D> & X, install: Installer) => void,
): BusCore<D> & X {
  const registry = registryOf(options);
  const ctx = createContext(options, registry);
  checkDurableTransport(ctx);
  const installer: Installer = (feature) => install(ctx, feature);
  ctx.duplicates = installer(duplicateNotice((value) => ctx.events.emit('duplicate_node', value)));
  if (ctx.transport.groups === true) {
    ctx.groupMembers = installer(groupMembership(ctx, options.groupHeartbeat));
  }
  const bus = { ...busApi<D>(ctx, registry), ...extend(installer) };
  // Features that need the assembled bus (its public API) are installed last.
  attach?.(bus, installer);
  return bus;
}

/** The public face of one bus, over its context. */
function busApi<D extends TopicDefs>(ctx: BusContext, registry: Registry<D>): BusCore<D> {
  const { table, transport, events } = ctx;
  const bus: BusCore<D> = {
    nodeId: ctx.nodeId,
    registry,
    start: () => start(ctx),
    stop: () => stop(ctx),
    subscribe: (topic, handler, opts) => subscribe(ctx, topic, handler, opts),
    subscribeBatch: (topic, handler, opts) =>
      subscribe(ctx, topic, handler, { ...opts, batch: opts?.batch ?? {} }),
    unsubscribe: (subscription: Subscription) => subscription.unsubscribe(),
    subscriber: (name?: string) => subscriber(ctx, name),
    stream: (topic, opts) => openStream(ctx, topic, opts),
    broadcast: (topic, event, payload) => publish(ctx, topic, event, payload, BROADCAST),
    broadcastFrom: (sender: Subscriber, topic, event, payload) => {
      const exclude = ctx.subscribers.get(sender?.id);
      if (!exclude || exclude !== sender) {
        return Promise.reject(
          new ConfigError('broadcastFrom needs a subscriber created by this bus', {
            topic,
            hint: 'create it with bus.subscriber()',
          }),
        );
      }
      return publish(ctx, topic, event, payload, { kind: 'broadcast_from', exclude });
    },
    directBroadcast: (node: string, topic, event, payload) => {
      if (typeof node !== 'string' || !NODE_ID.test(node)) {
        return Promise.reject(
          new ConfigError(`directBroadcast: node id "${String(node)}" is invalid`, {
            topic,
            hint: 'pass the nodeId of the target bus',
          }),
        );
      }
      return publish(ctx, topic, event, payload, { kind: 'direct', to: node });
    },
    localBroadcast: (topic, event, payload) => publish(ctx, topic, event, payload, LOCAL),
    broadcastRaw: (topic, event, payload) => publish(ctx, topic, event, payload, RAW),
    subscriberCount: (topic: string) => table.count(topic),
    topics: () => table.topics(),
    transport: () => transport.status(),
    stats(): BusStats {
      const { counters } = ctx;
      return {
        ...counters,
        rejected: { ...counters.rejected },
        replayEvictions: ctx.freshness.evictions,
      };
    },
    on: (event, listener) => events.on(event, listener),
  };
  return bus;
}
