/**
 * The instance's HTTP server: the page's files, three small JSON endpoints of the demo
 * (`GET /api/state`, `POST /api/counter`, `POST /api/forge`), and everything under `/herald/` to
 * the gateway. Listens on loopback; when the asked port is taken it takes a free one, so three
 * instances and a second demo never collide.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Assets } from './assets.js';

/** Where the gateway is mounted. */
export const GATEWAY_PATH = '/herald';

/** The demo's own endpoints. */
export interface DemoApi {
  /** `GET /api/state`: what the page needs before its stream opens. */
  state(): unknown;
  /** `POST /api/counter`: one click. */
  increment(): Promise<unknown>;
  /** `POST /api/forge`: a message signed with a wrong key, and what this instance made of it. */
  forge(): Promise<unknown>;
}

/** A `node:http` handler (the gateway's `node`). */
export type Mount = (request: IncomingMessage, response: ServerResponse) => void;

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

async function api(
  path: string,
  method: string | undefined,
  demo: DemoApi,
  response: ServerResponse,
): Promise<void> {
  const post = method === 'POST';
  if (path === '/api/state' && method === 'GET') json(response, 200, demo.state());
  else if (path === '/api/counter' && post) json(response, 200, await demo.increment());
  else if (path === '/api/forge' && post) json(response, 200, await demo.forge());
  else json(response, 404, { error: 'not_found', message: `no ${method} ${path}` });
}

/** The path of a request target, or undefined when it is none (`//:` makes `URL` throw). */
function pathOf(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/** The request handler of one instance. */
export function handler(assets: Assets, demo: DemoApi, gateway: Mount) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = pathOf(request.url);
    if (path === undefined) {
      json(response, 400, { error: 'bad_request', message: 'the request target is not a path' });
      return;
    }
    if (path.startsWith(`${GATEWAY_PATH}/`)) {
      gateway(request, response);
      return;
    }
    const asset = request.method === 'GET' ? assets.get(path) : undefined;
    if (asset !== undefined) {
      response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
      response.end(asset.body);
      return;
    }
    api(path, request.method, demo, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) json(response, 500, { error: 'failed', message });
      else response.end();
    });
  };
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    server.once('error', failed);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** Starts a server on `host:port`, or on a free port when `port` is taken; resolves its port. */
export async function listen(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; port: number }> {
  const server = createServer(handle);
  try {
    await listenOn(server, port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    await listenOn(server, 0, host);
  }
  return { server, port: (server.address() as AddressInfo).port };
}

/** Closes a server and every connection still open on it (SSE streams never end by themselves). */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
