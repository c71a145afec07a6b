/**
 * Routing of Redis channels to links. A single server has one link that carries every channel;
 * a cluster has one link per master and routes each channel by its hash slot
 * (see `cluster.ts`).
 */
import { createClusterRouter } from './cluster.js';
import { createLink, type Link, type LinkHooks } from './link.js';
import type { ResolvedRedisOptions } from './options.js';

/** Link hooks the transport provides; the router adds the topology ones. */
export type RouterHooks = Omit<LinkHooks, 'beforeResubscribe' | 'moved'>;

/** Where each Redis channel lives. */
export interface Router {
  /** Connects every link (the caller bounds the time). */
  start(): Promise<void>;
  /** The link that carries `name`. */
  linkFor(name: string): Link | undefined;
  links(): readonly Link[];
  /** A channel owned by `link`, private to this transport, for transient probes. */
  probeName(link: Link): string;
  /** Resolves once the server took the message (with a value callers ignore). */
  publish(name: string, data: string): Promise<unknown>;
  subscribe(name: string): Promise<void>;
  unsubscribe(name: string): Promise<void>;
  /** Pattern subscriptions: only on a single server (sharded pub/sub has none). */
  readonly psubscribe?: (pattern: string) => Promise<void>;
  readonly punsubscribe?: (pattern: string) => Promise<void>;
  close(): Promise<void>;
}

/** Creates the router for the configured mode. */
export function createRouter(
  config: ResolvedRedisOptions,
  token: string,
  hooks: RouterHooks,
): Router {
  if (config.mode === 'cluster') return createClusterRouter(config, token, hooks);
  const node = config.nodes[0] ?? { host: '127.0.0.1', port: 6379 };
  const link = createLink(config, node, false, token, {
    ...hooks,
    beforeResubscribe: async () => {},
    moved: () => {},
  });
  return {
    start: () => link.start(),
    linkFor: () => link,
    links: () => [link],
    probeName: () => `${config.prefix}$probe:${token}`,
    publish: (name, data) => link.publish(name, data),
    subscribe: (name) => link.subscribe(name),
    unsubscribe: (name) => link.unsubscribe(name),
    psubscribe: (pattern) => link.psubscribe(pattern),
    punsubscribe: (pattern) => link.punsubscribe(pattern),
    close: () => link.close(),
  };
}
