/**
 * A link: the publish and the subscribe connection to one Redis server (or one cluster master).
 *
 * It keeps the set of Redis channels this node wants from that server. After a reconnect it
 * subscribes them again and confirms with a round trip (a probe published on the publish
 * connection must come back on the subscribe connection) before it reports itself up; until
 * then, the transport treats the link as down and the bus signals the outage as a gap.
 */
import { ErrorCode, TransportError } from '../../errors.js';
import { type Connection, openConnection, type Role } from './connection.js';
import type { RedisNode, ResolvedRedisOptions } from './options.js';
import { nodeKey } from './slots.js';

/** What a link reports to the transport. */
export interface LinkHooks {
  /** A message on a Redis channel (probes are filtered out). */
  message(name: string, data: string): void;
  /** A message on Redis channel `name` through the pattern subscription `pattern`. */
  patternMessage(pattern: string, name: string, data: string): void;
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
  publish(name: string, data: string): Promise<void>;
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

const ignore = (): void => {};

/** A publish waiting for the end of its tick. */
interface Held {
  readonly name: string;
  readonly data: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** A MOVED reply: the cluster's slot map changed. */
export const isMoved = (error: unknown): boolean =>
  error instanceof Error && /^(MOVED|ASK) /.test(error.message);

/** Creates a link; `sharded` selects SPUBLISH/SSUBSCRIBE. */
export function createLink(
  config: ResolvedRedisOptions,
  node: RedisNode,
  sharded: boolean,
  probeToken: string,
  hooks: LinkHooks,
): Link {
  const key = nodeKey(node);
  const pub = openConnection(config, node, 'publisher');
  const sub = openConnection(config, node, 'subscriber');
  const names = new Set<string>();
  const patterns = new Set<string>();
  const pendingSubscribes = new Set<(error: Error) => void>();
  const probePrefix = `herald-probe:${probeToken}:`;
  let started = false;
  let closing = false;
  let healthy = false;
  let generation = 0;
  let probes = 0;
  let expectedProbe: string | undefined;
  let probeArrived: (() => void) | undefined;

  const ready = (c: Connection): boolean => c.redis.status === 'ready';

  const notReady = (what: string, name: string): TransportError =>
    new TransportError(
      ErrorCode.PublishFailed,
      `redis transport: cannot ${what} "${name}": the ${what === 'publish' ? 'publish' : 'subscribe'} connection to ${key} is ${(what === 'publish' ? pub : sub).redis.status}`,
      { transport: 'redis', hint: 'the transport reconnects by itself; retry after it is back' },
    );

  /** Settles a (S)SUBSCRIBE also when ioredis swallows a MOVED reply (it emits 'moved'). */
  function tracked<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      pendingSubscribes.add(reject);
      command.then(resolve, reject).finally(() => pendingSubscribes.delete(reject));
    });
  }

  function failPending(error: Error): void {
    for (const reject of pendingSubscribes) reject(error);
    pendingSubscribes.clear();
  }

  async function serverSubscribe(list: readonly string[]): Promise<void> {
    if (list.length === 0) return;
    if (sharded) await Promise.all(list.map((n) => tracked(sub.redis.ssubscribe(n))));
    else await tracked(sub.redis.subscribe(...list));
  }

  async function serverUnsubscribe(list: readonly string[]): Promise<void> {
    if (list.length === 0) return;
    if (sharded) await Promise.all(list.map((n) => sub.redis.sunsubscribe(n)));
    else await sub.redis.unsubscribe(...list);
  }

  /** Sends one (S)PUBLISH now; resolves once the server took it. */
  function sendOne(name: string, data: string): Promise<void> {
    const sent: Promise<unknown> = sharded
      ? pub.redis.spublish(name, data)
      : pub.redis.publish(name, data);
    return sent.then(ignore);
  }

  // Publishes of the current tick, written together when it ends (config.pipeline).
  let tick: Held[] | undefined;

  /** Resolves once the server took the message (no async frame: this is the hot path). */
  function publishRaw(name: string, data: string): Promise<void> {
    if (!ready(pub)) return Promise.reject(notReady('publish', name));
    if (!config.pipeline) return sendOne(name, data);
    return new Promise<void>((resolve, reject) => {
      if (tick === undefined) {
        tick = [];
        queueMicrotask(flushTick);
      }
      tick.push({ name, data, resolve, reject });
    });
  }

  /**
   * Writes the publishes of one tick as one pipeline: one socket write for all of them, each
   * still its own (S)PUBLISH with its own reply, in the order they were made.
   */
  function flushTick(): void {
    const held = tick!;
    tick = undefined;
    if (!ready(pub)) {
      for (const h of held) h.reject(notReady('publish', h.name));
      return;
    }
    if (held.length === 1) {
      const h = held[0]!;
      sendOne(h.name, h.data).then(h.resolve, h.reject);
      return;
    }
    const pipeline = pub.redis.pipeline();
    for (const h of held) {
      if (sharded) pipeline.spublish(h.name, h.data);
      else pipeline.publish(h.name, h.data);
    }
    pipeline.exec().then(
      (results) => {
        for (let i = 0; i < held.length; i++) {
          // No reply is no proof the server took it: only an error-free reply resolves.
          const reply = results?.[i];
          if (reply === undefined) held[i]!.reject(new Error('the pipeline returned no reply'));
          else if (reply[0]) held[i]!.reject(reply[0]);
          else held[i]!.resolve();
        }
      },
      (error: unknown) => {
        for (const h of held) h.reject(error);
      },
    );
  }

  /** Publishes a probe and waits for it on the subscribe connection. */
  async function confirm(): Promise<void> {
    const probe = hooks.probeChannel(link);
    if (probe.transient) await serverSubscribe([probe.name]);
    const token = `${probePrefix}${++probes}`;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<void>((resolve, reject) => {
      expectedProbe = token;
      probeArrived = resolve;
      timer = setTimeout(
        () => reject(new Error(`probe did not come back within ${config.heartbeatTimeoutMs} ms`)),
        config.heartbeatTimeoutMs,
      );
    });
    try {
      await Promise.all([publishRaw(probe.name, token), arrived]);
    } finally {
      clearTimeout(timer);
      expectedProbe = undefined;
      probeArrived = undefined;
      if (probe.transient && ready(sub)) await serverUnsubscribe([probe.name]).catch(() => {});
    }
  }

  async function recover(): Promise<void> {
    if (!started || closing || healthy || !ready(pub) || !ready(sub)) return;
    const gen = ++generation;
    try {
      await hooks.beforeResubscribe(link);
      if (gen !== generation) return;
      const wanted = [...names];
      const wantedPatterns = [...patterns];
      await serverSubscribe(wanted);
      if (wantedPatterns.length > 0) await tracked(sub.redis.psubscribe(...wantedPatterns));
      // Unsubscribed while the resubscribe was in flight: do not leave it on the server.
      await serverUnsubscribe(wanted.filter((n) => !names.has(n)));
      const gone = wantedPatterns.filter((p) => !patterns.has(p));
      if (gone.length > 0) await sub.redis.punsubscribe(...gone);
      await confirm();
      if (gen !== generation || closing || !ready(pub) || !ready(sub)) return;
      healthy = true;
      hooks.up(link);
    } catch (error) {
      if (gen !== generation || closing) return;
      if (isMoved(error)) hooks.moved(link);
      // Start over on a fresh subscribe connection (ioredis reconnects it with back-off).
      if (ready(pub) && ready(sub)) {
        sub.kill(`resubscribe not confirmed: ${error instanceof Error ? error.message : error}`);
      }
    }
  }

  function lost(conn: Connection): void {
    const reason = `${conn.role} connection to ${key} lost: ${conn.takeReason()}`;
    if (!started || closing) return;
    generation++;
    failPending(new Error(reason));
    if (healthy) {
      healthy = false;
      // Messages published after the subscriber's last answered PING may be lost.
      hooks.down(link, reason, Math.min(sub.lastGood, Date.now()));
    }
  }

  function watch(conn: Connection, role: Role): void {
    let attempts = 0;
    conn.redis.on('close', () => lost(conn));
    conn.redis.on('reconnecting', (delayMs: number) => {
      if (started && !closing) hooks.reconnecting(++attempts, delayMs);
    });
    conn.redis.on('ready', () => {
      attempts = 0;
      if (!started || closing) return;
      if (role === 'publisher') hooks.publisherReady(link);
      void recover();
    });
  }

  function onMessage(name: string, data: string): void {
    if (data.startsWith(probePrefix)) {
      if (data === expectedProbe) probeArrived?.();
      return;
    }
    hooks.message(name, data);
  }

  watch(pub, 'publisher');
  watch(sub, 'subscriber');
  sub.redis.on(sharded ? 'smessage' : 'message', onMessage);
  sub.redis.on('pmessage', (pattern: string, name: string, data: string) => {
    if (!data.startsWith(probePrefix)) hooks.patternMessage(pattern, name, data);
  });
  sub.redis.on('moved', () => {
    failPending(Object.assign(new Error(`MOVED reply from ${key}`), { moved: true }));
    hooks.moved(link);
  });

  const link: Link = {
    key,
    node,
    get healthy() {
      return healthy;
    },
    get canPublish() {
      return ready(pub);
    },
    get lastError() {
      return pub.lastError ?? sub.lastError;
    },
    names,
    patterns,
    async start() {
      try {
        await Promise.all([pub.redis.connect(), sub.redis.connect()]);
      } catch (error) {
        const detail =
          pub.lastError ?? sub.lastError ?? (error instanceof Error ? error.message : error);
        throw new Error(`${key}: ${detail}`, { cause: error });
      }
      started = true;
      healthy = true;
      pub.startHeartbeat();
      sub.startHeartbeat();
    },
    startInBackground() {
      started = true;
      pub.startHeartbeat();
      sub.startHeartbeat();
      pub.redis.connect().catch(() => {});
      sub.redis.connect().catch(() => {});
    },
    publish: publishRaw,
    command(name, ...args) {
      if (!ready(pub)) return Promise.reject(notReady('publish', name));
      return pub.redis.call(name, ...args);
    },
    async subscribe(name) {
      if (!ready(sub)) throw notReady('subscribe to', name);
      names.add(name);
      try {
        await serverSubscribe([name]);
      } catch (error) {
        names.delete(name);
        throw error;
      }
    },
    async unsubscribe(name) {
      names.delete(name);
      if (ready(sub)) await serverUnsubscribe([name]);
    },
    async psubscribe(pattern) {
      if (!ready(sub)) throw notReady('subscribe to', pattern);
      patterns.add(pattern);
      try {
        await tracked(sub.redis.psubscribe(pattern));
      } catch (error) {
        patterns.delete(pattern);
        throw error;
      }
    },
    async punsubscribe(pattern) {
      patterns.delete(pattern);
      if (ready(sub)) await sub.redis.punsubscribe(pattern);
    },
    async adopt(name) {
      names.add(name);
      if (!healthy) return;
      await serverSubscribe([name]).catch((error) => sub.kill(`adopt failed: ${error}`));
    },
    async close() {
      closing = true;
      generation++;
      failPending(new Error(`redis transport: link to ${key} closed`));
      await Promise.all([pub.close(), sub.close()]);
    },
  };
  return link;
}
