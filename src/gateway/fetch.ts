/**
 * The Fetch-standard face of the gateway (`Request → Response`: Hono, Next.js route handlers,
 * Deno, Bun, Node's undici-based servers). An admitted stream is a `ReadableStream` whose queue
 * (16 chunks) is the connection's backpressure: past it the connection queues, then gaps. The
 * stream ends when the page goes away: the server cancels the body or aborts `request.signal`.
 */
import { answerOf, JSON_HEADERS, route, SSE_HEADERS } from './route.js';
import type { GatewayState } from './state.js';

/** Chunks a stream holds before the connection sees backpressure. */
const STREAM_CHUNKS = 16;

/** The chunks of a request body, read without async iteration (not every runtime has it). */
async function* chunksOf(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (body === null) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The fetch handler of a gateway. */
export function fetchHandler(state: GatewayState): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = request.url;
    // The target's length, as the node adapter measures it: path and query.
    const slash = url.indexOf('/', url.indexOf('//') + 2);
    const outcome = await route(state, {
      request,
      target: slash < 0 ? '/' : url.slice(slash),
      remote: undefined,
      body: () => chunksOf(request.body),
    });
    if (outcome.kind !== 'stream') {
      if (outcome.kind === 'elsewhere') state.counters.refused.not_found++;
      const { status, body } = answerOf(outcome);
      return new Response(body, { status, headers: JSON_HEADERS });
    }
    let drain: (() => void) | undefined;
    let stop: (() => void) | undefined;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let ended = false;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        pull: () => {
          const listener = drain;
          drain = undefined;
          listener?.();
        },
        cancel: () => stop?.(),
      },
      { highWaterMark: STREAM_CHUNKS },
    );
    const stream = outcome.start({
      write: (chunk) => {
        if (ended) return true;
        controller.enqueue(chunk);
        return (controller.desiredSize ?? 0) > 0;
      },
      onDrain: (listener) => {
        drain = listener;
      },
      end: () => {
        if (ended) return;
        ended = true;
        controller.close();
      },
    });
    stop = () => {
      ended = true;
      stream.stop();
    };
    request.signal?.addEventListener('abort', () => stop?.(), { once: true });
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  };
}
