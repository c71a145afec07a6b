/**
 * Systems of the `gateway` scenarios: 1,000 pages on one instance, each receiving every event of
 * one topic. Herald: a bus (in-process transport) and its gateway on node:http, the pages reading
 * SSE with herald/browser's parser and decoding each event's JSON. socket.io: a server that
 * broadcasts each event to 1,000 socket.io clients (WebSocket transport), which decode it too.
 * Pages and server share this process (loopback), in both systems alike.
 */
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server as SocketServer } from 'socket.io';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { SseParser } from '../../src/browser/sse.js';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import { type Bus, createBus, localTransport } from '../../src/index.js';
import { KEYS, PAYLOADS, type Posted, registry, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { blackhole, Deliveries, drive, type Load, paced } from '../support.js';

/** Runs `n` messages: at a rate (every page's latency), or in windows (every page counts). */
function load(
  n: number,
  how: Load,
  pages: number,
  deliveries: Deliveries,
  send: (i: number, at?: number) => undefined | Promise<unknown>,
): Promise<void> {
  return 'rate' in how
    ? paced(n, how.rate, deliveries, send)
    : drive(n, how.window, deliveries, send, pages);
}

/**
 * Publish → page latency of every page for every message of a fixed-rate run (`pages × n`
 * samples). A message counts as delivered once the last page received it.
 */
export class PageLatencies {
  readonly #pages: number;
  #sent = new Float64Array(0);
  #latency = new Float64Array(0);
  #reached = new Uint32Array(0);

  constructor(pages: number) {
    this.#pages = pages;
  }

  /** Resets for a run of `n` messages (untimed). */
  reset(n: number): void {
    if (this.#sent.length !== n) {
      this.#sent = new Float64Array(n);
      this.#latency = new Float64Array(n * this.#pages);
      this.#reached = new Uint32Array(n);
    }
    this.#latency.fill(Number.NaN);
    this.#reached.fill(0);
  }

  /** Records the publish of message `i` (when it was scheduled). */
  sent(i: number, at: number = performance.now()): void {
    this.#sent[i] = at;
  }

  /** Page `page` received message `i`; true when it was the last page to. */
  received(page: number, i: number): boolean {
    this.#latency[i * this.#pages + page] = performance.now() - this.#sent[i]!;
    return ++this.#reached[i]! === this.#pages;
  }

  /** Every sample of the run, in ms; throws if a page missed a message. */
  result(): Float64Array {
    const missing = this.#latency.findIndex(Number.isNaN);
    if (missing >= 0) {
      const page = missing % this.#pages;
      throw new Error(
        `page ${page} has no delivery time for message ${(missing - page) / this.#pages}`,
      );
    }
    return this.#latency.slice();
  }
}

/** Counts one page's receipt of message `i`: every page's latency at a rate, a delivery in windows. */
function receipt(
  rated: boolean,
  latencies: PageLatencies,
  deliveries: Deliveries,
  page: number,
  i: number,
): void {
  if (!rated) deliveries.hit();
  else if (latencies.received(page, i)) deliveries.hit();
}

/** How a pages system runs. */
export interface PagesOptions {
  readonly pages: number;
  readonly load: Load;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

/** Herald's gateway to `pages` SSE connections. */
export function gatewayPagesSystem({ pages, load: how }: PagesOptions): System {
  const deliveries = new Deliveries();
  const latencies = new PageLatencies(pages);
  const rated = 'rate' in how;
  let bus: Bus<typeof registry.defs>;
  let gateway: Gateway;
  let server: Server;
  const requests: { destroy(): void }[] = [];
  return {
    id: 'herald-gateway',
    label: `Herald gateway, SSE × ${pages}`,
    note: 'bus (in-process transport, validated) → gateway → node:http SSE; pages parse SSE + JSON',
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
        limits: { connectionsPerIdentity: pages, queue: 4096 },
      });
      server = createServer(gateway.node);
      const port = await listen(server);
      await Promise.all(
        Array.from(
          { length: pages },
          (_, page) =>
            new Promise<void>((resolve, reject) => {
              const request = get(
                { host: '127.0.0.1', port, path: `/events?topic=${TOPIC}`, agent: false },
                (response) => {
                  const parser = new SseParser();
                  response.on('data', (chunk: Buffer) => {
                    for (const event of parser.push(chunk)) {
                      if (event.event === 'ready') resolve();
                      if (event.event !== 'message') continue;
                      const data = JSON.parse(event.data) as { payload: Posted };
                      blackhole.value += data.payload.n;
                      receipt(rated, latencies, deliveries, page, data.payload.at);
                    }
                  });
                },
              );
              request.on('error', reject);
              requests.push(request);
            }),
        ),
      );
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      await load(n, how, pages, deliveries, (i, at) => {
        latencies.sent(i, at);
        return bus.broadcast(TOPIC, 'posted', { ...PAYLOADS[i % PAYLOADS.length]!, at: i });
      });
      return rated ? { latencyMs: latencies.result() } : undefined;
    },
    verify() {
      const stats = gateway.stats();
      if (stats.gaps.overflow > 0) throw new Error(`${stats.gaps.overflow} overflow gaps`);
    },
    async teardown() {
      for (const request of requests) request.destroy();
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await bus.stop();
    },
  };
}

/** socket.io broadcasting to `pages` socket.io clients. */
export function socketIoPagesSystem({ pages, load: how }: PagesOptions): System {
  const deliveries = new Deliveries();
  const latencies = new PageLatencies(pages);
  const rated = 'rate' in how;
  let server: Server;
  let io: SocketServer;
  const sockets: Socket[] = [];
  return {
    id: 'socket.io',
    label: `socket.io broadcast × ${pages}`,
    note: 'io.emit to every client, WebSocket transport, socket.io-client decoding each packet',
    async setup() {
      server = createServer();
      io = new SocketServer(server, { transports: ['websocket'] });
      const port = await listen(server);
      await Promise.all(
        Array.from(
          { length: pages },
          (_, page) =>
            new Promise<void>((resolve, reject) => {
              const socket = connectSocket(`http://127.0.0.1:${port}`, {
                transports: ['websocket'],
                forceNew: true,
              });
              socket.on('posted', (payload: Posted) => {
                blackhole.value += payload.n;
                receipt(rated, latencies, deliveries, page, payload.at);
              });
              socket.once('connect', () => resolve());
              socket.once('connect_error', reject);
              sockets.push(socket);
            }),
        ),
      );
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      await load(n, how, pages, deliveries, (i, at) => {
        latencies.sent(i, at);
        io.emit('posted', { ...PAYLOADS[i % PAYLOADS.length]!, at: i });
        return undefined;
      });
      return rated ? { latencyMs: latencies.result() } : undefined;
    },
    async teardown() {
      for (const socket of sockets) socket.close();
      await io.close();
      server.closeAllConnections();
    },
  };
}
