/**
 * Scenarios `gateway-1000` and `gateway-latency`: one instance with 1,000 pages on one topic,
 * 250-byte events. Herald's gateway (SSE) against a socket.io server broadcasting to 1,000
 * socket.io clients, side by side in one process. `gateway-1000` counts deliveries (a message
 * counts once all 1,000 pages decoded it: deliveries/s = 1,000 × msgs/s); `gateway-latency`
 * publishes at 1,000 msg/s to the same 1,000 pages and times publish → page for every page and
 * every message (1,000 samples per message; a message counts as delivered once the last page has it).
 */
import type { Scenario } from '../harness.js';
import { gatewayIdleSystem } from '../systems/gateway-idle.js';
import { gatewayPagesSystem, socketIoPagesSystem } from '../systems/pages.js';

const PAGES = 1000;
const WINDOW = 16;
const RATE = 1000;

/** Fan-out to 1,000 pages. */
export const gatewayFanout: Scenario = {
  id: 'gateway-1000',
  title: 'Fan-out to 1000 pages: Herald gateway (SSE) vs socket.io',
  measures: `Messages per second, each decoded by ${PAGES} pages on one instance (deliveries/s = ${PAGES} × msgs/s); windows of ${WINDOW} publishes. Pages run in the same process as the server, for both systems.`,
  kind: 'throughput',
  messages: { quick: 300, full: 1000 },
  baselines: ['socket.io'],
  settings: { pages: PAGES, window: WINDOW, payloadBytes: 250 },
  async systems() {
    const load = { window: WINDOW };
    return [
      gatewayPagesSystem({ pages: PAGES, load }),
      socketIoPagesSystem({ pages: PAGES, load }),
    ];
  },
};

/** Publish → page latency at 1,000 msg/s with 1,000 pages. */
export const gatewayLatency: Scenario = {
  id: 'gateway-latency',
  title: `Publish → page latency at ${RATE} msg/s, ${PAGES} pages`,
  measures: `p50/p99/p99.9 publish → page latency at ${RATE} msg/s over every page and every message (${PAGES} samples per message; 250-byte events, ${PAGES * RATE} deliveries/s), measured from each message's scheduled publish time. Pages and server share one process, for both systems. Ratios compare p99s (lower is better).`,
  kind: 'latency',
  messages: { quick: RATE / 2, full: RATE * 5 },
  rounds: { quick: { warmup: 1, timed: 2 }, full: { warmup: 1, timed: 3 } },
  baselines: ['socket.io'],
  settings: { pages: PAGES, rate: RATE, payloadBytes: 250 },
  async systems() {
    const load = { rate: RATE };
    return [
      gatewayPagesSystem({ pages: PAGES, load }),
      socketIoPagesSystem({ pages: PAGES, load }),
    ];
  },
};

const IDLE_PAGES = 10_000;
const IDLE_TOPICS = ['room:idle-0', 'room:idle-1', 'room:idle-2', 'room:idle-3'] as const;
const HOLD_SECONDS = { quick: 15, full: 30 } as const;
const HEARTBEAT_SECONDS = 5;

/** 10,000 idle pages on one instance: memory per connection, the hold, one publish to all. */
export const gatewayIdle: Scenario = {
  id: 'gateway-idle',
  title: `${IDLE_PAGES} idle SSE pages on one instance: memory per connection, held, one publish reaches all`,
  measures: `Server heap and RSS (after a full GC) before ${IDLE_PAGES} idle SSE streams open from a child process and after they were held ${HOLD_SECONDS.quick} s (quick) or ${HOLD_SECONDS.full} s (full), divided by ${IDLE_PAGES}; the hold fails unless every stream stays open with heartbeats. A timed run publishes once on each of ${IDLE_TOPICS.length} topics and waits until all ${IDLE_PAGES} pages received it (msgs/s = 1 / that time).`,
  kind: 'throughput',
  messages: { quick: 1, full: 1 },
  rounds: { quick: { warmup: 0, timed: 1 }, full: { warmup: 0, timed: 3 } },
  baselines: [],
  settings: {
    pages: IDLE_PAGES,
    topics: IDLE_TOPICS.length,
    holdSecondsQuick: HOLD_SECONDS.quick,
    holdSecondsFull: HOLD_SECONDS.full,
    heartbeatSeconds: HEARTBEAT_SECONDS,
  },
  async systems(mode) {
    return [
      gatewayIdleSystem({
        pages: IDLE_PAGES,
        topics: IDLE_TOPICS,
        holdMs: HOLD_SECONDS[mode] * 1000,
        heartbeatMs: HEARTBEAT_SECONDS * 1000,
      }),
    ];
  },
};
