/**
 * A link: the publish and the subscribe connection to one Redis server (or one cluster master).
 *
 * It keeps the set of Redis channels this node wants from that server. After a reconnect it
 * subscribes them again and confirms with a round trip (a probe published on the publish
 * connection must come back on the subscribe connection) before it reports itself up; until
 * then, the transport treats the link as down and the bus signals the outage as a gap.
 *
 * Its steps live beside it, each taking the link's state (`link-state.ts`): publishing
 * (`link-publish.ts`), subscribing (`link-subscribe.ts`), and reconnecting (`link-recover.ts`).
 */
import { openConnection } from './connection.js';
import { publishRaw } from './link-publish.js';
import { listen } from './link-recover.js';
import { failPending, type LinkState, notReady, ready } from './link-state.js';
import { adopt, psubscribe, punsubscribe, subscribe, unsubscribe } from './link-subscribe.js';
import type { RedisNode, ResolvedRedisOptions } from './options.js';
import { nodeKey } from './slots.js';

export { isMoved } from './link-state.js';

/** What a link reports to the transport. */
export interface LinkHooks {
  /** A message on a Redis channel, as the bytes the server sent (probes are filtered out). */
  message(name: string, data: Uint8Array): void;
  /** A message on Redis channel `name` through the pattern subscription `pattern`. */
  patternMessage(pattern: string, name: string, data: Uint8Array): void;
  /** The link lost a connection; messages may be lost since `since`. */
  down(link: Link, reason: string, since: number): void;
  /** Both connections are back, every channel resubscribed and confirmed. */
  up(link: Link): void;
  reconnecting(attempt: number, delayMs: number): void;
  /** The publish connection is ready (flush held publishes). */
  publisherReady(link: Link): void;
  /** The channel of the confirmation round trip; a transient one is subscribed only for it. */
  probeChannel(link: Link): { readonly name: string; readonly transient: boolean };
  /** Runs before a resubscribe (cluster: refresh the slot map and move channels). */
  beforeResubscribe(link: Link): Promise<void>;
  /** The server answered MOVED: the slot map is stale. */
  moved(link: Link): void;
}

/** The connections to one server. */
export interface Link {
  readonly key: string;
  readonly node: RedisNode;
  readonly healthy: boolean;
  readonly canPublish: boolean;
  /** The last connection error, for messages. */
  readonly lastError: string | undefined;
  /** Redis channels this link is responsible for. */
  readonly names: ReadonlySet<string>;
  /** Redis patterns (PSUBSCRIBE) this link is responsible for; never on a sharded link. */
  readonly patterns: ReadonlySet<string>;
  /** Connects both connections (the caller bounds the time). */
  start(): Promise<void>;
  /** Connects in the background; the link reports `up` once ready. */
  startInBackground(): void;
  /** Resolves once the server took the message (with a value callers ignore). */
  publish(name: string, data: string): Promise<unknown>;
  /** Sends a command on the publish connection (e.g. CLUSTER SLOTS). */
  command(name: string, ...args: string[]): Promise<unknown>;
  subscribe(name: string): Promise<void>;
  unsubscribe(name: string): Promise<void>;
  psubscribe(pattern: string): Promise<void>;
  punsubscribe(pattern: string): Promise<void>;
  /** Takes over a channel moved from another link (subscribes now, or on recovery). */
  adopt(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Creates a link; `sharded` selects SPUBLISH/SSUBSCRIBE. */
export function createLink(
  config: ResolvedRedisOptions,
  node: RedisNode,
  sharded: boolean,
  probeToken: string,
  hooks: LinkHooks,
): Link {
  const key = nodeKey(node);
  const s: LinkState = {
    config,
    key,
    sharded,
    pub: openConnection(config, node, 'publisher'),
    sub: openConnection(config, node, 'subscriber'),
    hooks,
    names: new Set(),
    patterns: new Set(),
    pendingSubscribes: new Set(),
    probePrefix: `herald-probe:${probeToken}:`,
    started: false,
    closing: false,
    healthy: false,
    generation: 0,
    probes: 0,
    expectedProbe: undefined,
    probeArrived: undefined,
    tick: undefined,
    written: false,
    corked: undefined,
    link: undefined as unknown as Link,
  };
  s.link = {
    key,
    node,
    get healthy() {
      return s.healthy;
    },
    get canPublish() {
      return ready(s.pub);
    },
    get lastError() {
      return s.pub.lastError ?? s.sub.lastError;
    },
    names: s.names,
    patterns: s.patterns,
    start: () => start(s),
    startInBackground: () => startInBackground(s),
    publish: (name, data) => publishRaw(s, name, data),
    command(name, ...args) {
      if (!ready(s.pub)) return Promise.reject(notReady(s, 'publish', name));
      return s.pub.redis.call(name, ...args);
    },
    subscribe: (name) => subscribe(s, name),
    unsubscribe: (name) => unsubscribe(s, name),
    psubscribe: (pattern) => psubscribe(s, pattern),
    punsubscribe: (pattern) => punsubscribe(s, pattern),
    adopt: (name) => adopt(s, name),
    close: () => close(s),
  };
  listen(s);
  return s.link;
}

/** Connects both connections (the caller bounds the time). */
async function start(s: LinkState): Promise<void> {
  try {
    await Promise.all([s.pub.redis.connect(), s.sub.redis.connect()]);
  } catch (error) {
    const detail =
      s.pub.lastError ?? s.sub.lastError ?? (error instanceof Error ? error.message : error);
    throw new Error(`${s.key}: ${detail}`, { cause: error });
  }
  s.started = true;
  s.healthy = true;
  s.pub.startHeartbeat();
  s.sub.startHeartbeat();
}

/** Connects in the background; the link reports `up` once ready. */
function startInBackground(s: LinkState): void {
  s.started = true;
  s.pub.startHeartbeat();
  s.sub.startHeartbeat();
  s.pub.redis.connect().catch(() => {});
  s.sub.redis.connect().catch(() => {});
}

async function close(s: LinkState): Promise<void> {
  s.closing = true;
  s.generation++;
  failPending(s, new Error(`redis transport: link to ${s.key} closed`));
  await Promise.all([s.pub.close(), s.sub.close()]);
}
