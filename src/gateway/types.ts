/**
 * Public types of the gateway (`herald/gateway`): its options, the decisions the application
 * makes (authorize, identify, presence), its counters, and the handlers it returns.
 * docs/gateway.md is the normative protocol.
 */
import type { TracerProvider } from '@opentelemetry/api';
import type { RefusalBody as PageRefusal } from '../browser/protocol.js';

/** What a page asks for: to receive a topic (`subscribe`) or to publish on it (`publish`). */
export type GatewayAction = 'subscribe' | 'publish';

/**
 * The application's decision for one topic: `true` allows, `false` denies; an object denies
 * with a reason the page sees (never put secrets in it).
 */
export type AuthorizeResult = boolean | { readonly allow: false; readonly reason: string };

/**
 * Decides whether `request` may receive (or publish on) `topic`, with the topic's parameters
 * (`{ roomId: '42' }` for `room:42` on `room:{roomId}`). Called once per topic per request.
 * @example (request, topic, params, action) => session(request)?.rooms.includes(params.roomId) ?? false
 */
export type Authorize = (
  request: Request,
  topic: string,
  params: Readonly<Record<string, string>>,
  action: GatewayAction,
) => AuthorizeResult | Promise<AuthorizeResult>;

/** A presence the gateway tracks for the lifetime of one SSE connection. */
export interface ConnectionPresence {
  /** A topic that declares a `presence` schema. */
  readonly topic: string;
  /** Who is online (a user id). */
  readonly key: string;
  /** App-chosen metadata, checked against the topic's presence schema. */
  readonly meta: unknown;
}

/** Facts about a connection the application may use to choose its presence. */
export interface ConnectionInfo {
  /** The connection's id (also its presence owner). */
  readonly id: string;
  /** The identity `identify` returned. */
  readonly identity: string;
  /** The concrete topics it receives. */
  readonly topics: readonly string[];
}

/** Limits of one gateway; every refusal is counted in `stats().refused`. */
export interface GatewayLimits {
  /** Topics (and presence topics) one SSE connection may ask for. @default 32 */
  readonly subscriptionsPerConnection?: number;
  /** Open SSE connections per identity (see `identify`). @default 16 */
  readonly connectionsPerIdentity?: number;
  /** Open SSE connections on this gateway. @default 20000 */
  readonly connections?: number;
  /** Longest request target (path and query), in bytes. @default 4096 */
  readonly maxUrlBytes?: number;
  /** Largest POST body, in bytes. @default 65536 */
  readonly maxBodyBytes?: number;
  /** Deepest JSON nesting of a POST body. @default 32 */
  readonly maxDepth?: number;
  /** Events waiting for one slow page before it gets a `gap` instead. @default 512 */
  readonly queue?: number;
  /** Events kept per topic for `Last-Event-ID` resume. @default 256 */
  readonly resumeBuffer?: number;
  /** How long a topic's buffer outlives its last connection, in ms. @default 30000 */
  readonly resumeMs?: number;
}

/** Options of `createGateway`. */
export interface GatewayOptions {
  /** The deciding function; without it every topic is denied. */
  readonly authorize?: Authorize;
  /**
   * Who is asking, for `connectionsPerIdentity` (a user id, a session): an identity that is
   * undefined is refused with 401.
   * @default the client's address when known (node:http), else `'anonymous'`
   */
  readonly identify?: (request: Request) => string | undefined | Promise<string | undefined>;
  /** Tracks each connection in presence with app-chosen metadata; undefined tracks nothing. */
  readonly presence?: (
    request: Request,
    connection: ConnectionInfo,
  ) => ConnectionPresence | undefined | Promise<ConnectionPresence | undefined>;
  /**
   * Path prefix the gateway is mounted at: it answers `<basePath>/events` and
   * `<basePath>/publish`, and 404 elsewhere.
   * @default ''
   */
  readonly basePath?: string;
  readonly limits?: GatewayLimits;
  /** Interval of SSE comment heartbeats that keep proxies from closing idle streams, in ms. @default 15000 */
  readonly heartbeatMs?: number;
  /** The reconnect delay the page's EventSource is told (`retry:`), in ms. @default 1000 */
  readonly retryMs?: number;
  /** Whether pages may publish (`POST <basePath>/publish`). @default true */
  readonly publish?: boolean;
  /** Where delivery spans go. @default the global OpenTelemetry provider */
  readonly tracerProvider?: TracerProvider;
}

/** Why a request was refused: the `reason` of its JSON body and the key of `stats().refused`. */
export const RefusalReason = {
  BadRequest: 'bad_request',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  UnknownTopic: 'unknown_topic',
  TooManySubscriptions: 'too_many_subscriptions',
  TooManyConnections: 'too_many_connections',
  UrlTooLong: 'url_too_long',
  BodyTooLarge: 'body_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  InvalidPayload: 'invalid_payload',
  Unavailable: 'unavailable',
  PublishFailed: 'publish_failed',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/** The JSON body of every refusal. */
export interface RefusalBody extends PageRefusal {
  readonly error: RefusalReason;
}

/** Counters of one gateway. */
export interface GatewayStats {
  /** Open SSE connections. */
  readonly connections: number;
  /** Topics with a bus subscription (live or lingering for resume). */
  readonly topics: number;
  /** Events written to pages (one per page). */
  readonly delivered: number;
  /** `gap` events sent, by cause. */
  readonly gaps: Readonly<Record<'overflow' | 'resume' | 'transport', number>>;
  /** Events replayed from resume buffers. */
  readonly replayed: number;
  /** Page publishes accepted. */
  readonly published: number;
  /** Refusals by reason. */
  readonly refused: Readonly<Record<RefusalReason, number>>;
}

/** A `node:http` (or `node:http2` compatibility) request handler. */
export type NodeHandler = (
  request: import('node:http').IncomingMessage | import('node:http2').Http2ServerRequest,
  response: import('node:http').ServerResponse | import('node:http2').Http2ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** A gateway: mount `fetch` or `node` in a server. */
export interface Gateway {
  /** The Fetch-standard handler (Hono, Next.js route handlers, Deno, Bun). */
  readonly fetch: (request: Request) => Promise<Response>;
  /** The `node:http` handler (plain Node, Express, Fastify's raw server). */
  readonly node: NodeHandler;
  /** Counters since creation. */
  stats(): GatewayStats;
  /** Ends every SSE connection and bus subscription of the gateway. Idempotent. */
  close(): Promise<void>;
}
