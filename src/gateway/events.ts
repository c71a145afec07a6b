/**
 * `GET <basePath>/events?topic=…`: admits a page (limits, identify, authorize), follows its
 * topics, and returns the plan of its SSE stream. The adapter (node.ts, fetch.ts) then gives the
 * plan a sink; `start` (stream.ts) writes the opening, the resume (replay or gaps) and the
 * `ready` event, and registers the connection with its feeds — synchronously, so no event falls
 * between.
 */
import type { ResolvedTopic } from '../schemas/define.js';
import { authorizeAll, identify, resolveTopic } from './admit.js';
import type { SseSink } from './connection.js';
import { type Refusal, refuse } from './refusal.js';
import type { GatewayState } from './state.js';
import { type Admitted, startStream } from './stream.js';

/** An admitted stream, waiting for its sink. */
export interface StreamPlan {
  readonly kind: 'stream';
  /** Starts the stream on `sink`; the adapter calls `stop` when the page goes away. */
  start(sink: SseSink): { stop(): void };
}

/** What a page asks for: message topics and presence topics, each resolved. */
interface Asked {
  readonly topics: ResolvedTopic[];
  readonly presence: ResolvedTopic[];
}

/** The topics of the query (`topic` and `presence`, repeated, de-duplicated), resolved. */
function askedOf(state: GatewayState, url: URL): Asked | Refusal {
  const topics = [...new Set(url.searchParams.getAll('topic'))];
  const presence = [...new Set(url.searchParams.getAll('presence'))];
  if (topics.length + presence.length === 0) {
    return refuse('bad_request', 'name at least one topic: ?topic=<concrete topic>');
  }
  const max = state.settings.limits.subscriptionsPerConnection;
  if (topics.length + presence.length > max) {
    return refuse(
      'too_many_subscriptions',
      `${topics.length + presence.length} topics asked; the limit is ${max}`,
    );
  }
  const asked: Asked = { topics: [], presence: [] };
  for (const [names, into] of [
    [topics, asked.topics],
    [presence, asked.presence],
  ] as const) {
    for (const topic of names) {
      const one = resolveTopic(state, topic, into === asked.topics);
      if ('kind' in one) return one;
      if (into === asked.presence && one.entry.def.presence === undefined) {
        return refuse('unknown_topic', `topic "${topic}" tracks no presence`, { topic });
      }
      into.push(one);
    }
  }
  return asked;
}

/** A refusal when this identity, or the gateway, already holds as many streams as it may. */
function connectionLimit(state: GatewayState, identity: string): Refusal | undefined {
  const { limits } = state.settings;
  if ((state.perIdentity.get(identity) ?? 0) >= limits.connectionsPerIdentity) {
    return refuse(
      'too_many_connections',
      `this identity has ${limits.connectionsPerIdentity} open streams, the limit`,
    );
  }
  if (state.connections.size >= limits.connections) {
    return refuse(
      'too_many_connections',
      `the gateway holds ${limits.connections} streams, its limit`,
    );
  }
  return undefined;
}

/** Admits an SSE request, or refuses it. */
export async function openStream(
  state: GatewayState,
  request: Request,
  url: URL,
  remote: string | undefined,
): Promise<StreamPlan | Refusal> {
  if (state.closed) {
    return refuse('unavailable', 'the gateway is closed');
  }
  const asked = askedOf(state, url);
  if ('kind' in asked) return asked;
  const identity = await identify(state, request, remote);
  if (typeof identity !== 'string') return identity;
  const full = connectionLimit(state, identity);
  if (full !== undefined) return full;
  const denied = await authorizeAll(
    state,
    request,
    [...asked.topics, ...asked.presence],
    'subscribe',
  );
  if (denied !== undefined) return denied;
  const feeds = asked.topics.map((r) => state.feeds.acquire(r.topic, r.entry.def.template));
  try {
    await Promise.all(feeds.map((feed) => feed.ready));
  } catch (error) {
    return refuse('unavailable', `the bus could not subscribe: ${String(error)}`);
  }
  const admitted: Admitted = {
    identity,
    topics: asked.topics.map((r) => r.topic),
    feeds,
    lastEventId: request.headers.get('last-event-id') ?? url.searchParams.get('lastEventId'),
    // Topics the page adds on this request: followed from now, never resumed (no spurious gap).
    fresh: new Set(url.searchParams.getAll('fresh')),
    presence: asked.presence.map((r) => r.topic),
  };
  return { kind: 'stream', start: (sink) => startStream(state, admitted, request, sink) };
}
