/**
 * The gateway's routes, shared by both adapters: `GET <basePath>/events` opens a stream,
 * `POST <basePath>/publish` publishes; the request target is bounded first (414), and any other
 * path is not the gateway's (the node adapter hands it to `next` when there is one).
 */
import { openStream, type StreamPlan } from './events.js';
import { type Published, publishFromPage } from './publish.js';
import { type Refusal, refuse } from './refusal.js';
import type { GatewayState } from './state.js';

/** Not a gateway path. */
export interface Elsewhere {
  readonly kind: 'elsewhere';
}

/** What a request comes to. */
export type Outcome = StreamPlan | Refusal | Published | Elsewhere;

/** The request as both adapters give it. */
export interface Incoming {
  readonly request: Request;
  /** The request target as received (`/events?topic=…`), for the length check. */
  readonly target: string;
  /** The client's address, when the server knows it. */
  readonly remote: string | undefined;
  readonly body: () => AsyncIterable<Uint8Array>;
}

/** Routes one request; counts a refusal by its reason. */
export async function route(state: GatewayState, incoming: Incoming): Promise<Outcome> {
  const outcome = await decide(state, incoming);
  if (outcome.kind === 'refusal') state.counters.refused[outcome.body.error]++;
  return outcome;
}

async function decide(state: GatewayState, incoming: Incoming): Promise<Outcome> {
  const { settings } = state;
  const { request } = incoming;
  if (Buffer.byteLength(incoming.target) > settings.limits.maxUrlBytes) {
    return refuse(
      'url_too_long',
      `the request target is over ${settings.limits.maxUrlBytes} bytes`,
    );
  }
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return refuse('bad_request', 'the request URL is malformed');
  }
  const path = url.pathname;
  if (path === `${settings.basePath}/events`) {
    if (request.method !== 'GET') return refuse('method_not_allowed', 'use GET for /events');
    return openStream(state, request, url, incoming.remote);
  }
  if (path === `${settings.basePath}/publish`) {
    if (request.method !== 'POST') return refuse('method_not_allowed', 'use POST for /publish');
    if (!settings.publish) return refuse('not_found', 'page publishes are off on this gateway');
    return publishFromPage(state, request, incoming.body(), incoming.remote);
  }
  return { kind: 'elsewhere' };
}

/** Headers of an SSE response (proxy-friendly: no caching, no transform, no buffering). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx buffers proxied responses unless told otherwise.
  'x-accel-buffering': 'no',
};

/** Headers of a JSON answer. */
export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** The status and JSON body of a non-stream outcome. */
export function answerOf(outcome: Refusal | Published | Elsewhere): {
  status: number;
  body: string;
} {
  if (outcome.kind === 'refusal')
    return { status: outcome.status, body: JSON.stringify(outcome.body) };
  if (outcome.kind === 'published') return { status: 200, body: JSON.stringify(outcome.body) };
  return {
    status: 404,
    body: JSON.stringify({ error: 'not_found', message: 'not a gateway path' }),
  };
}
