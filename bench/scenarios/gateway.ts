/**
 * Scenarios `gateway-1000`, `gateway-latency` and `gateway-latency-fanout`: one instance with 1,000
 * pages, 250-byte events. Herald's gateway (SSE) against a socket.io server with 1,000 socket.io
 * clients, side by side in one process.
 *
 * - `gateway-1000` counts one-topic fan-out deliveries (a message counts once all 1,000 pages
 *   decoded it: deliveries/s = 1,000 × msgs/s).
 * - `gateway-latency` publishes 1,000 msg/s over 1,000 topics, one page each: every message goes to
 *   one page (1,000 deliveries/s), the latency of the path with no fan-out.
 * - `gateway-latency-fanout` publishes 25 msg/s on one topic to all 1,000 pages (25,000
 *   deliveries/s), a fan-out rate both systems sustain on a 2-core machine.
 *
 * The latency scenarios time publish → page for every page reached by every message, from each
 * message's scheduled publish time (a message counts as delivered once its last page has it).
 * One topic at 1,000 msg/s (1,000,000 deliveries/s) is out of reach on such a machine, for both
 * systems: it would measure a growing backlog, not the path.
 */
import type { Scenario } from '../harness.js';
import { gatewayIdleSystem } from '../systems/gateway-idle.js';
import { gatewayPagesSystem, socketIoPagesSystem } from '../systems/pages.js';

const PAGES = 1000;
const WINDOW = 16;

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

const SPREAD_RATE = 1000;

/** Publish → page latency at 1,000 msg/s over 1,000 pages, one topic per page. */
export const gatewayLatency: Scenario = {
  id: 'gateway-latency',
  title: `Publish → page latency at ${SPREAD_RATE} msg/s, ${PAGES} pages on ${PAGES} topics (one page each)`,
  measures: `p50/p99/p99.9 publish → page latency at ${SPREAD_RATE} msg/s published round-robin over ${PAGES} topics with one page each (every message reaches one page: ${SPREAD_RATE} deliveries/s; 250-byte events), from each message's scheduled publish time. socket.io: one room per topic. Pages and server share one process, for both systems. Ratios compare p99s (lower is better).`,
  kind: 'latency',
  messages: { quick: SPREAD_RATE * 2, full: SPREAD_RATE * 10 },
  rounds: { quick: { warmup: 1, timed: 3 }, full: { warmup: 1, timed: 5 } },
  baselines: ['socket.io'],
  settings: { pages: PAGES, topics: PAGES, rate: SPREAD_RATE, payloadBytes: 250 },
  async systems() {
    const load = { rate: SPREAD_RATE };
    return [
      gatewayPagesSystem({ pages: PAGES, topics: PAGES, load }),
      socketIoPagesSystem({ pages: PAGES, topics: PAGES, load }),
    ];
  },
};

const FANOUT_RATE = 10;

/** Publish → page latency of a one-topic fan-out to 1,000 pages, at a rate both systems sustain. */
export const gatewayLatencyFanout: Scenario = {
  id: 'gateway-latency-fanout',
  title: `Publish → page latency at ${FANOUT_RATE} msg/s, ${PAGES} pages on one topic`,
  measures: `p50/p99/p99.9 publish → page latency at ${FANOUT_RATE} msg/s on one topic with ${PAGES} pages (every message reaches every page: ${FANOUT_RATE * PAGES} deliveries/s, ${PAGES} samples per message; 250-byte events), from each message's scheduled publish time. The rate is one both systems sustain on a 2-core machine, so the figures describe the path, not a backlog. Pages and server share one process, for both systems. Ratios compare p99s (lower is better).`,
  kind: 'latency',
  messages: { quick: FANOUT_RATE * 4, full: FANOUT_RATE * 20 },
  rounds: { quick: { warmup: 1, timed: 3 }, full: { warmup: 1, timed: 5 } },
  baselines: ['socket.io'],
  settings: { pages: PAGES, topics: 1, rate: FANOUT_RATE, payloadBytes: 250 },
  async systems() {
    const load = { rate: FANOUT_RATE };
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
