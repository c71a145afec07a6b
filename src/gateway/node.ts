/**
 * The `node:http` face of the gateway (plain Node, Express, Fastify's raw server, and
 * `node:http2`'s compatibility API): the request becomes a standard `Request` for `authorize`,
 * and an admitted stream writes its frames straight to the response, whose `write` result and
 * `drain` event are the connection's backpressure. HTTP/1.1 streams say `connection: keep-alive`;
 * HTTP/2 forbids connection headers (RFC 9113 §8.2.2), so they are left out there.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { SseSink } from './connection.js';
import { answerOf, JSON_HEADERS, route, SSE_HEADERS } from './route.js';
import type { GatewayState } from './state.js';
import type { NodeHandler } from './types.js';

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;

/** A standard Request with the node request's method, URL and headers (no body). */
function requestOf(req: NodeRequest, target: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (`:path`) are not headers of the request.
    if (name.startsWith(':') || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const host = req.headers[':authority'] ?? req.headers.host;
  const origin =
    typeof host === 'string' && /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(host) ? host : 'localhost';
  const scheme = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  return new Request(`${scheme}://${origin}${target.startsWith('/') ? target : '/'}`, {
    method: req.method ?? 'GET',
    headers,
  });
}

/** A response as a connection's sink: its `write` result and `drain` event are the backpressure. */
class ResponseSink implements SseSink {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  write(chunk: Uint8Array): boolean {
    return this.#res.write(chunk);
  }

  onDrain(listener: () => void): void {
    this.#res.once('drain', listener);
  }

  end(): void {
    this.#res.end();
  }
}

async function handle(
  state: GatewayState,
  req: NodeRequest,
  res: NodeResponse,
  next: ((error?: unknown) => void) | undefined,
): Promise<void> {
  const target = req.url ?? '/';
  const outcome = await route(state, {
    request: requestOf(req, target),
    target,
    remote: req.socket?.remoteAddress,
    body: () => req as AsyncIterable<Uint8Array>,
  });
  if (outcome.kind === 'elsewhere' && next !== undefined) return next();
  if (outcome.kind !== 'stream') {
    const { status, body } = answerOf(outcome);
    if (outcome.kind === 'elsewhere') state.counters.refused.not_found++;
    (res as ServerResponse).writeHead(status, JSON_HEADERS);
    res.end(body);
    return;
  }
  const http1 = req.httpVersionMajor < 2;
  (res as ServerResponse).writeHead(
    200,
    http1 ? { ...SSE_HEADERS, connection: 'keep-alive' } : SSE_HEADERS,
  );
  if (http1) req.socket.setNoDelay(true);
  const stream = outcome.start(new ResponseSink(res as ServerResponse));
  res.once('close', () => stream.stop());
}

/** The node:http handler of a gateway. */
export function nodeHandler(state: GatewayState): NodeHandler {
  return (req, res, next) => {
    handle(state, req, res, next).catch((error: unknown) => {
      if (next !== undefined) return next(error);
      if (!res.headersSent) (res as ServerResponse).writeHead(500, JSON_HEADERS);
      res.end(JSON.stringify({ error: 'internal', message: 'the gateway failed on this request' }));
    });
  };
}
