/**
 * Systems of the `gateway` scenarios: pages on one instance, all on one topic (each receiving every
 * event) or spread evenly over several topics (each receiving its topic's events). Herald: a bus
 * (in-process transport) and its gateway on node:http, the pages reading SSE with herald/browser's
 * parser and decoding each event's JSON. socket.io: a server that broadcasts each event to every
 * socket.io client (WebSocket transport), or to the room of its topic, and the clients decode it
 * too. Pages and server share this process (loopback), in both systems alike.
 */
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { SseParser } from '../../src/browser/sse.js';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import { type Bus, createBus, localTransport } from '../../src/index.js';
import { KEYS, PAYLOADS, type Posted, registry, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { blackhole, Deliveries, drive, type Load, paced } from '../support.js';
import { PageLatencies } from './page-latencies.js';

/** Runs `n` messages: at a rate (every page's latency), or in windows (every page counts). */
function load(
  n: number,
  how: Load,
  perMessage: number,
  deliveries: Deliveries,
  send: (i: number, at?: number) => undefined | Promise<unknown>,
): Promise<void> {
  return 'rate' in how
    ? paced(n, how.rate, deliveries, send)
    : drive(n, how.window, deliveries, send, perMessage);
}

/** Counts one page's receipt of message `i`: every page's latency at a rate, a delivery in windows. */
function receipt(
  rated: boolean,
  latencies: PageLatencies,
  deliveries: Deliveries,
  slot: number,
  i: number,
): void {
  if (!rated) deliveries.hit();
  else if (latencies.received(slot, i)) deliveries.hit();
}

/** How a pages system runs. */
export interface PagesOptions {
  readonly pages: number;
  /**
   * Topics the pages are spread over (default 1: every page on one topic). Page `p` subscribes
   * topic `p % topics`; message `i` is published on topic `i % topics` and reaches
   * `pages / topics` pages. `pages` must be a multiple of `topics`.
   */
  readonly topics?: number;
  readonly load: Load;
}

/** Where each page and each message goes, for `pages` over `topics`. */
interface Layout {
  readonly pages: number;
  readonly topics: number;
  /** Pages each message reaches. */
  readonly perMessage: number;
  /** Topic number of page `page`, and of message `i`. */
  topicOf(index: number): number;
  /** The page's place among its topic's pages. */
  slotOf(page: number): number;
}

function layout(pages: number, topics = 1): Layout {
  if (!Number.isInteger(topics) || topics < 1 || pages % topics !== 0) {
    throw new Error(`${pages} pages cannot be spread evenly over ${topics} topics`);
  }
  return {
    pages,
    topics,
    perMessage: pages / topics,
    topicOf: (index) => index % topics,
    slotOf: (page) => Math.floor(page / topics),
  };
}

/** Herald topic number `k`: the fixtures' topic when there is one, `room:p<k>` otherwise. */
const heraldTopic = (where: Layout, k: number): `room:${string}` =>
  where.topics === 1 ? TOPIC : `room:p${k}`;

const spreadLabel = (where: Layout): string =>
  where.topics === 1 ? `${where.pages}` : `${where.pages} on ${where.topics} topics`;

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

/** Herald's gateway to `pages` SSE connections. */
export function gatewayPagesSystem({ pages, topics, load: how }: PagesOptions): System {
  const where = layout(pages, topics);
  const deliveries = new Deliveries();
  const latencies = new PageLatencies(where.perMessage);
  const rated = 'rate' in how;
  let bus: Bus<typeof registry.defs>;
  let gateway: Gateway;
  let server: Server;
  const requests: { destroy(): void }[] = [];
  return {
    id: 'herald-gateway',
    label: `Herald gateway, SSE × ${spreadLabel(where)}`,
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
              const topic = heraldTopic(where, where.topicOf(page));
              const slot = where.slotOf(page);
              const request = get(
                { host: '127.0.0.1', port, path: `/events?topic=${topic}`, agent: false },
                (response) => {
                  const parser = new SseParser();
                  response.on('data', (chunk: Buffer) => {
                    for (const event of parser.push(chunk)) {
                      if (event.event === 'ready') resolve();
                      if (event.event !== 'message') continue;
                      const data = JSON.parse(event.data) as { payload: Posted };
                      blackhole.value += data.payload.n;
                      receipt(rated, latencies, deliveries, slot, data.payload.at);
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
      await load(n, how, where.perMessage, deliveries, (i, at) => {
        latencies.sent(i, at);
        const topic = heraldTopic(where, where.topicOf(i));
        return bus.broadcast(topic, 'posted', { ...PAYLOADS[i % PAYLOADS.length]!, at: i });
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

/** The socket.io room of a handshake's `room` query (a topic number, as the page sent it). */
function roomOf(room: unknown): string {
  if (typeof room !== 'string' || !/^[0-9]{1,6}$/.test(room)) {
    throw new Error(`bad room in handshake: ${String(room)}`);
  }
  return `r${room}`;
}

/** socket.io broadcasting to `pages` socket.io clients (one room per topic when there are several). */
export function socketIoPagesSystem({ pages, topics, load: how }: PagesOptions): System {
  const where = layout(pages, topics);
  const deliveries = new Deliveries();
  const latencies = new PageLatencies(where.perMessage);
  const rated = 'rate' in how;
  let server: Server;
  let io: SocketServer;
  const sockets: Socket[] = [];
  return {
    id: 'socket.io',
    label: `socket.io broadcast × ${spreadLabel(where)}`,
    note:
      where.topics === 1
        ? 'io.emit to every client, WebSocket transport, socket.io-client decoding each packet'
        : 'io.to(room).emit, one room per topic, WebSocket transport, socket.io-client decoding each packet',
    async setup() {
      server = createServer();
      io = new SocketServer(server, { transports: ['websocket'] });
      if (where.topics > 1)
        io.on('connection', (socket) => socket.join(roomOf(socket.handshake.query.room)));
      const port = await listen(server);
      await Promise.all(
        Array.from(
          { length: pages },
          (_, page) =>
            new Promise<void>((resolve, reject) => {
              const slot = where.slotOf(page);
              const socket = connectSocket(`http://127.0.0.1:${port}`, {
                transports: ['websocket'],
                forceNew: true,
                query: { room: String(where.topicOf(page)) },
              });
              socket.on('posted', (payload: Posted) => {
                blackhole.value += payload.n;
                receipt(rated, latencies, deliveries, slot, payload.at);
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
      await load(n, how, where.perMessage, deliveries, (i, at) => {
        latencies.sent(i, at);
        const payload = { ...PAYLOADS[i % PAYLOADS.length]!, at: i };
        if (where.topics === 1) io.emit('posted', payload);
        else io.to(`r${where.topicOf(i)}`).emit('posted', payload);
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
