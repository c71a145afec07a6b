/**
 * `createGateway(bus, options)`: the gateway is a client of the bus — it subscribes, publishes
 * and tracks presence through the bus's public API, like any application. It holds the shared
 * state, the heartbeat timer, and the two faces (fetch.ts, node.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Bus } from '../create-bus.js';
import type { TopicDefs } from '../schemas/define.js';
import { type FeedBus, Feeds } from './feeds.js';
import { fetchHandler } from './fetch.js';
import { HEARTBEAT } from './frames.js';
import { nodeHandler } from './node.js';
import {
  connectionIds,
  type GatewayState,
  hooksOf,
  newCounters,
  settingsOf,
  snapshot,
} from './state.js';
import { deliveryTracer } from './trace.js';
import type { Gateway, GatewayOptions } from './types.js';

/**
 * Creates a gateway over a bus (started or not: streams open once it is started). Invalid
 * options throw a ConfigError here.
 * @example
 * const gateway = createGateway(bus, { authorize: (req, topic) => topic.startsWith('room:') });
 * http.createServer(gateway.node).listen(3000);
 */
export function createGateway<D extends TopicDefs>(
  bus: Bus<D>,
  options: GatewayOptions = {},
): Gateway {
  const settings = settingsOf(options);
  const counters = newCounters();
  const epoch = randomBytes(6).toString('base64url');
  const feedContext = {
    bus: bus as unknown as FeedBus,
    epoch,
    seq: 0,
    ringSize: settings.limits.resumeBuffer,
    lingerMs: settings.limits.resumeMs,
    tracer: deliveryTracer(options.tracerProvider),
    transportGap: (count: number) => (counters.gaps.transport += count),
  };
  const state: GatewayState = {
    bus: bus as unknown as Bus,
    options,
    settings,
    feeds: new Feeds(feedContext),
    connections: new Set(),
    perIdentity: new Map(),
    counters,
    hooks: hooksOf(counters),
    epoch,
    connectionId: connectionIds(),
    closed: false,
  };
  const heartbeat = setInterval(() => {
    for (const connection of state.connections) connection.heartbeat(HEARTBEAT);
  }, settings.heartbeatMs);
  heartbeat.unref?.();
  return {
    fetch: fetchHandler(state),
    node: nodeHandler(state),
    stats: () => snapshot(state),
    async close() {
      if (state.closed) return;
      state.closed = true;
      clearInterval(heartbeat);
      for (const connection of [...state.connections]) connection.end();
      await state.feeds.close();
    },
  };
}
