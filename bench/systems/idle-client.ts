/**
 * The pages of the idle-connection measurement, in a process of their own (so their memory is
 * not the server's): `node --import tsx idle-client.ts`, driven over IPC by idle-pages.ts.
 *
 * It opens `pages` SSE streams (`GET <path>?topic=<topics[i % topics.length]>`, one HTTP/1.1
 * connection each, a few hundred connecting at a time), then counts per stream: the `ready`
 * event, heartbeat comments (`: hb`), `message` events, and whether the stream closed.
 *
 * Messages in: `{ kind: 'open', port, path, pages, topics }`, `{ kind: 'report' }`,
 * `{ kind: 'until', messages }` (answered once every ready stream got that many messages).
 * Messages out: `{ kind: 'up' }` once listening, `{ kind: 'opened', ready, refused, failed }`, `{ kind: 'report', ...IdleReport }`,
 * `{ kind: 'received' }`.
 */
import { get } from 'node:http';
import { SseParser } from '../../src/browser/sse.js';

/** What the pages saw, at one moment. */
export interface IdleReport {
  /** Streams that got their `ready` event. */
  readonly ready: number;
  /** Streams answered with another status than 200 (status → count). */
  readonly refused: Readonly<Record<string, number>>;
  /** Streams that failed to connect or errored. */
  readonly failed: number;
  /** Ready streams that have since closed. */
  readonly closed: number;
  /** Fewest heartbeats any ready stream received. */
  readonly minHeartbeats: number;
  /** Fewest and most `message` events any ready stream received. */
  readonly minMessages: number;
  readonly maxMessages: number;
}

/** What the parent sends. */
export type IdleCommand =
  | {
      readonly kind: 'open';
      readonly port: number;
      readonly path: string;
      readonly pages: number;
      readonly topics: readonly string[];
    }
  | { readonly kind: 'report' }
  | { readonly kind: 'until'; readonly messages: number };

/** Connections opening at once. */
const CONCURRENCY = 200;
const HEARTBEAT = ': hb\n';

interface Page {
  ready: boolean;
  closed: boolean;
  heartbeats: number;
  messages: number;
}

const pages: Page[] = [];
const refused: Record<string, number> = {};
let failed = 0;
let waiting: { messages: number; reached: number } | undefined;

const send = (message: object): void => {
  process.send?.(message);
};

function checkUntil(page: Page): void {
  if (waiting === undefined || page.messages !== waiting.messages) return;
  if (++waiting.reached >= pages.length) {
    waiting = undefined;
    send({ kind: 'received' });
  }
}

/** Opens one stream; resolves once it is ready, refused or failed. */
function openOne(port: number, target: string): Promise<void> {
  return new Promise((resolve) => {
    const page: Page = { ready: false, closed: false, heartbeats: 0, messages: 0 };
    const request = get({ host: '127.0.0.1', port, path: target, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        const status = String(response.statusCode);
        refused[status] = (refused[status] ?? 0) + 1;
        response.resume();
        return resolve();
      }
      const parser = new SseParser();
      let tail = '';
      response.on('data', (chunk: Buffer) => {
        const text = tail + chunk.toString('latin1');
        for (let at = text.indexOf(HEARTBEAT); at >= 0; at = text.indexOf(HEARTBEAT, at + 1)) {
          page.heartbeats++;
        }
        tail = text.slice(-(HEARTBEAT.length - 1));
        for (const event of parser.push(chunk)) {
          if (event.event === 'ready' && !page.ready) {
            page.ready = true;
            pages.push(page);
            resolve();
          } else if (event.event === 'message') {
            page.messages++;
            checkUntil(page);
          }
        }
      });
      response.on('close', () => {
        page.closed = true;
      });
    });
    request.on('error', () => {
      if (page.ready) page.closed = true;
      else failed++;
      resolve();
    });
  });
}

async function open(command: Extract<IdleCommand, { kind: 'open' }>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < command.pages) {
      const i = next++;
      const topic = command.topics[i % command.topics.length]!;
      await openOne(command.port, `${command.path}?topic=${encodeURIComponent(topic)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, command.pages) }, worker));
  send({ kind: 'opened', ready: pages.length, refused, failed });
}

function report(): IdleReport {
  let minHeartbeats = Number.POSITIVE_INFINITY;
  let minMessages = Number.POSITIVE_INFINITY;
  let maxMessages = 0;
  let closed = 0;
  for (const page of pages) {
    if (page.closed) closed++;
    minHeartbeats = Math.min(minHeartbeats, page.heartbeats);
    minMessages = Math.min(minMessages, page.messages);
    maxMessages = Math.max(maxMessages, page.messages);
  }
  const none = pages.length === 0;
  return {
    ready: pages.length,
    refused,
    failed,
    closed,
    minHeartbeats: none ? 0 : minHeartbeats,
    minMessages: none ? 0 : minMessages,
    maxMessages,
  };
}

process.on('message', (command: IdleCommand) => {
  if (command.kind === 'open') void open(command);
  else if (command.kind === 'report') send({ kind: 'report', ...report() });
  else {
    waiting = { messages: command.messages, reached: 0 };
    for (const page of pages) if (page.messages >= command.messages) waiting.reached++;
    if (waiting.reached >= pages.length) {
      waiting = undefined;
      send({ kind: 'received' });
    }
  }
});
process.on('disconnect', () => process.exit(0));
send({ kind: 'up' });
