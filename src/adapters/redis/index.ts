/**
 * The Redis transport (ioredis): `redisTransport({ url, prefix })`.
 *
 * It moves encoded envelopes over Redis pub/sub and reports its connection state; the bus does
 * everything else. Separate publish and subscribe connections; one server subscription per
 * channel, under a prefix (namespace); a PING heartbeat that detects half-open connections in
 * bounded time; reconnects without a retry limit, resubscribes, and confirms the resubscription
 * with a round trip before it reports `resubscribed` (the bus turns the outage into a gap).
 * Publishes reject with PUBLISH_FAILED while the connection is down, unless a bounded offline
 * buffer is configured. With `cluster`, sharded pub/sub (SPUBLISH/SSUBSCRIBE) on Redis Cluster.
 *
 * Delivery is at most once, as with Redis pub/sub itself: a gap means messages may be lost.
 */
import { randomBytes } from 'node:crypto';
import { type ErrorCode as Code, ErrorCode, HeraldError, TransportError } from '../../errors.js';
import {
  ConnectionState,
  type Transport,
  type TransportSink,
  type TransportStatus,
  templateChannel,
} from '../transport.js';
import { createOfflineBuffer } from './buffer.js';
import { ioredis } from './driver.js';
import { type RedisTransportOptions, resolveOptions } from './options.js';
import { createRouter, type Router, type RouterHooks } from './router.js';
import { redisTemplates } from './templates.js';

export type { RedisNode, RedisTransportOptions } from './options.js';

/** Bus channels of direct messages start with this; the node's own one carries the probes. */
const NODE_CHANNEL_PREFIX = '$node:';

/** Creates a Redis transport. Invalid options throw a ConfigError here. */
export function redisTransport(options: RedisTransportOptions = {}): Transport {
  ioredis(); // an optional peer: refused here, with its install hint, when it is not installed
  const config = resolveOptions(options);
  const token = randomBytes(6).toString('hex');
  const channels = new Set<string>();
  const sharded = config.mode === 'cluster';
  // Templates: by PSUBSCRIBE pattern on a single server, by template channel on a cluster.
  const templates = redisTemplates({
    prefix: config.prefix,
    sharded,
    router: () => (usable() ? router : undefined),
    subscribe: (channel) => subscribeChannel(channel),
    unsubscribe: (channel) => unsubscribeChannel(channel),
    fail: (text) => fail(ErrorCode.PublishFailed, text),
    wrap: (error, text) => wrap(error, text),
  });
  const { patterns, mirrors } = templates;
  const buffer = createOfflineBuffer(config.offlineBuffer);
  let sink: TransportSink | undefined;
  let router: Router | undefined;
  let state: ConnectionState = ConnectionState.Idle;
  let since = Date.now();
  let downAt: number | undefined;

  const setState = (next: ConnectionState): void => {
    if (next !== state) since = Date.now();
    state = next;
  };
  const serverName = (channel: string): string => config.prefix + channel;
  const message = (error: unknown): string =>
    error instanceof Error ? error.message : String(error);

  const fail = (code: Code, text: string, cause?: unknown): TransportError =>
    new TransportError(code, `redis transport (${config.display}): ${text}`, {
      transport: 'redis',
      cause,
      hint:
        code === ErrorCode.ConnectFailed
          ? 'check that Redis runs and is reachable, and the url / host / port (REDIS_URL, REDIS_HOST, REDIS_PORT)'
          : 'the transport reconnects by itself; bus.transport() shows its state',
    });

  const wrap = (error: unknown, text: string): HeraldError =>
    error instanceof HeraldError
      ? error
      : fail(ErrorCode.PublishFailed, `${text}: ${message(error)}`, error);

  // The publish hot path returns promises without async frames: each one is a promise and a
  // microtask more per message.
  function send(name: string, data: string): Promise<void> {
    if (!router) {
      return Promise.reject(fail(ErrorCode.PublishFailed, `publish on "${name}" after close`));
    }
    let sent: Promise<void>;
    try {
      sent = router.publish(name, data);
    } catch (error) {
      return Promise.reject(wrap(error, `publish on "${name}" failed`));
    }
    return sent.then(undefined, (error: unknown) => {
      throw wrap(error, `publish on "${name}" failed`);
    });
  }

  /** Sends held publishes whose connection is back, oldest first (order per connection holds). */
  function flush(): void {
    const r = router;
    if (!r || buffer.size === 0) return;
    for (const held of buffer.take((name) => r.linkFor(name)?.canPublish === true)) {
      send(held.name, held.data).then(held.resolve, held.reject);
    }
  }

  const hooks: RouterHooks = {
    message(name, data) {
      if (!name.startsWith(config.prefix)) return;
      const channel = name.slice(config.prefix.length);
      if (!channels.has(channel)) return;
      sink?.message(channel, data, mirrors.size === 0 ? undefined : mirrors.get(channel));
    },
    patternMessage(pattern, name, data) {
      const template = patterns.get(pattern);
      if (template === undefined || !name.startsWith(config.prefix)) return;
      sink?.message(name.slice(config.prefix.length), data, template);
    },
    down(_link, reason, lastGood) {
      if (state !== ConnectionState.Connected && state !== ConnectionState.Reconnecting) return;
      if (state === ConnectionState.Connected) {
        setState(ConnectionState.Reconnecting);
        downAt = Date.now();
      }
      sink?.event({ type: 'disconnected', reason, since: lastGood });
    },
    up() {
      flush();
      if (state !== ConnectionState.Reconnecting || !router) return;
      if (!router.links().every((link) => link.healthy)) return;
      setState(ConnectionState.Connected);
      const ms = Date.now() - (downAt ?? Date.now());
      downAt = undefined;
      sink?.event({ type: 'connected' });
      sink?.event({ type: 'resubscribed', channels: channels.size + patterns.size, ms });
    },
    reconnecting(attempt, delayMs) {
      if (state === ConnectionState.Reconnecting) {
        sink?.event({ type: 'reconnecting', attempt, delayMs });
      }
    },
    publisherReady: flush,
    probeChannel(link) {
      // The round trip runs on the node's own channel when this link carries it.
      for (const channel of channels) {
        const name = serverName(channel);
        if (channel.startsWith(NODE_CHANNEL_PREFIX) && link.names.has(name)) {
          return { name, transient: false };
        }
      }
      return { name: router?.probeName(link) ?? serverName(`$probe:${token}`), transient: true };
    },
  };

  const usable = (): boolean =>
    state === ConnectionState.Connected || state === ConnectionState.Reconnecting;

  return {
    name: 'redis',

    async connect(next) {
      if (state !== ConnectionState.Idle && state !== ConnectionState.Closed) {
        throw fail(ErrorCode.ConnectFailed, `connect() while ${state}`);
      }
      sink = next;
      setState(ConnectionState.Connecting);
      const r = createRouter(config, token, hooks);
      router = r;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          r.start(),
          new Promise((_, reject) => {
            timer = setTimeout(() => {
              const errors = r
                .links()
                .flatMap((l) => (l.lastError ? [`${l.key}: ${l.lastError}`] : []));
              const why = errors.length > 0 ? ` (${errors.join('; ')})` : '';
              reject(new Error(`not connected within ${config.connectTimeoutMs} ms${why}`));
            }, config.connectTimeoutMs);
          }),
        ]);
      } catch (error) {
        if (router === r) {
          router = undefined;
          setState(ConnectionState.Idle);
        }
        await r.close().catch(() => {});
        throw fail(ErrorCode.ConnectFailed, `cannot connect: ${message(error)}`, error);
      } finally {
        clearTimeout(timer);
      }
      if (router !== r) throw fail(ErrorCode.ConnectFailed, 'closed while connecting');
      setState(ConnectionState.Connected);
      next.event({ type: 'connected' });
    },

    publish(channel, data, template) {
      if (!sharded || template === undefined) return publishOne(channel, data);
      // No patterns on sharded pub/sub: the template's channel gets the same bytes.
      return Promise.all([
        publishOne(channel, data),
        publishOne(templateChannel(template), data),
      ]).then(() => undefined);
    },

    async subscribe(channel) {
      await subscribeChannel(channel);
    },

    async unsubscribe(channel) {
      await unsubscribeChannel(channel);
    },

    subscribeTemplate: (template) => templates.subscribe(template),
    unsubscribeTemplate: (template) => templates.unsubscribe(template),

    async close() {
      const r = router;
      router = undefined;
      setState(ConnectionState.Closed);
      channels.clear();
      templates.clear();
      downAt = undefined;
      buffer.rejectAll(fail(ErrorCode.PublishFailed, 'closed before a held publish was sent'));
      await r?.close();
    },

    status(): TransportStatus {
      const links = router?.links() ?? [];
      return {
        name: 'redis',
        state,
        since,
        channels: channels.size + patterns.size,
        detail: {
          url: config.display,
          prefix: config.prefix,
          mode: config.mode,
          buffered: buffer.size,
          bufferLimit: buffer.limit,
          nodes: links.length,
          healthyNodes: links.filter((link) => link.healthy).length,
        },
      };
    },
  };

  /** One publish on one channel (the hot path: no async frame). */
  function publishOne(channel: string, data: string): Promise<void> {
    const r = router;
    if (!r || !usable()) {
      return Promise.reject(
        fail(ErrorCode.PublishFailed, `publish on "${channel}" while ${state}`),
      );
    }
    if (buffer.size > 0) flush();
    const name = serverName(channel);
    const link = r.linkFor(name);
    if (link?.canPublish && (buffer.size === 0 || !buffer.holds((n) => r.linkFor(n) === link))) {
      return send(name, data);
    }
    const held = buffer.hold(name, data);
    if (held) return held;
    const full = buffer.limit > 0 ? `; the offline buffer is full (${buffer.limit})` : '';
    return Promise.reject(
      fail(
        ErrorCode.PublishFailed,
        `publish on "${channel}" rejected: ${link ? `the connection to ${link.key} is down` : 'no server owns this channel'}${full}`,
      ),
    );
  }

  async function subscribeChannel(channel: string): Promise<void> {
    const r = router;
    if (!r || !usable()) {
      throw fail(ErrorCode.PublishFailed, `subscribe to "${channel}" while ${state}`);
    }
    channels.add(channel);
    try {
      await r.subscribe(serverName(channel));
    } catch (error) {
      channels.delete(channel);
      throw wrap(error, `subscribe to "${channel}" failed`);
    }
  }

  async function unsubscribeChannel(channel: string): Promise<void> {
    channels.delete(channel);
    try {
      await router?.unsubscribe(serverName(channel));
    } catch (error) {
      throw wrap(error, `unsubscribe from "${channel}" failed`);
    }
  }
}
