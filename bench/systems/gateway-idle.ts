/**
 * The system of `gateway-idle`: one gateway instance (node:http handler, one bus on the
 * in-process transport) and `pages` idle SSE streams opened from a child process
 * (idle-pages.ts), spread over a few topics.
 *
 * Set-up is the measurement: the server's heap and RSS after a full GC, before the streams
 * open and after they were held `holdMs` (heartbeats every `heartbeatMs`); the difference over
 * `pages` is the memory of one idle connection. The hold is checked: every stream ready, none
 * refused or closed, each with heartbeats. A timed run then publishes once per topic per message
 * and waits until every page received it. The figures go in the label (the table) and the note
 * (the JSON).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import { type Bus, createBus, localTransport } from '../../src/index.js';
import { KEYS, PAYLOADS, registry } from '../fixtures.js';
import type { System } from '../harness.js';
import { IdlePages } from './idle-pages.js';

/** How the idle measurement runs. */
export interface IdleOptions {
  readonly pages: number;
  readonly topics: readonly `room:${string}`[];
  readonly holdMs: number;
  readonly heartbeatMs: number;
}

/** Memory of the server process, after a full GC when `--expose-gc` allows it. */
function settled(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** Herald's gateway holding `pages` idle SSE streams. */
export function gatewayIdleSystem({ pages, topics, holdMs, heartbeatMs }: IdleOptions): System {
  let bus: Bus<typeof registry.defs>;
  let gateway: Gateway;
  let server: Server;
  let clients: IdlePages | undefined;
  let figures = 'not measured';
  let published = 0;
  return {
    id: 'herald-gateway',
    get label() {
      return `Herald gateway, ${pages} idle SSE: ${figures}`;
    },
    get note() {
      return `${pages} idle SSE streams on ${topics.length} topics from a child process, held ${holdMs / 1000} s (heartbeat ${heartbeatMs / 1000} s); server memory after GC: ${figures}; a run publishes once per topic per message and waits for every page`;
    },
    async setup() {
      bus = createBus({
        registry,
        keys: KEYS,
        transport: localTransport(),
        log: false,
        instrumentation: false,
      });
      await bus.start();
      gateway = createGateway(bus, {
        authorize: () => true,
        limits: { connectionsPerIdentity: pages },
        heartbeatMs,
      });
      server = createServer(gateway.node);
      const port = await new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', 1024, () => resolve((server.address() as AddressInfo).port)),
      );
      clients = await IdlePages.start(pages);
      const before = settled();
      const opened = await clients.open(port, '/events', pages, topics);
      if (opened.ready !== pages) {
        throw new Error(`${opened.ready}/${pages} streams opened: ${JSON.stringify(opened)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      const held = await clients.report();
      const beats = Math.floor(holdMs / heartbeatMs) - 1;
      if (held.closed > 0 || held.minHeartbeats < beats || gateway.stats().connections !== pages) {
        throw new Error(`not held: ${JSON.stringify(held)}, ${gateway.stats().connections} open`);
      }
      const after = settled();
      figures = `held ${pages - held.closed}/${pages}, ${kb((after.heap - before.heap) / pages)} heap + ${kb((after.rss - before.rss) / pages)} RSS per connection`;
    },
    async run(n) {
      for (let i = 0; i < n; i++) {
        for (const topic of topics) {
          await bus.broadcast(topic, 'posted', { ...PAYLOADS[i % PAYLOADS.length]!, at: i });
        }
      }
      published += n;
      await clients!.until(published);
      return undefined;
    },
    async verify() {
      const report = await clients!.report();
      if (
        report.closed > 0 ||
        report.minMessages !== published ||
        report.maxMessages !== published
      ) {
        throw new Error(`after the runs: ${JSON.stringify(report)}`);
      }
      const { gaps } = gateway.stats();
      if (gaps.overflow + gaps.transport > 0) throw new Error(`gaps: ${JSON.stringify(gaps)}`);
    },
    async teardown() {
      await clients?.close();
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await bus.stop();
    },
  };
}
