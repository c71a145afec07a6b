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
 *
 * The transport's steps each take its state (`transport-state.ts`): `connect.ts`, `publish.ts`
 * (with the offline buffer), `subscriptions.ts`, `templates.ts`, and `events.ts` (what the links
 * report). Below them, `router.ts` / `cluster.ts` route channels to links (`link.ts`), each a
 * publish and a subscribe connection (`connection.ts`).
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../errors.js';
import {
  ConnectionState,
  type Transport,
  type TransportStatus,
  templateChannel,
} from '../transport.js';
import { createOfflineBuffer } from './buffer.js';
import { connect } from './connect.js';
import { ioredis } from './driver.js';
import { type RedisTransportOptions, resolveOptions } from './options.js';
import { publishOne } from './publish.js';
import { subscribeChannel, unsubscribeChannel } from './subscriptions.js';
import { redisTemplates } from './templates.js';
import { fail, type RedisState, setState, usable, wrap } from './transport-state.js';

export type { RedisNode, RedisTransportOptions } from './options.js';

/** Creates a Redis transport. Invalid options throw a ConfigError here. */
export function redisTransport(options: RedisTransportOptions = {}): Transport {
  ioredis(); // an optional peer: refused here, with its install hint, when it is not installed
  const config = resolveOptions(options);
  const sharded = config.mode === 'cluster';
  const s: RedisState = {
    config,
    token: randomBytes(6).toString('hex'),
    sharded,
    channels: new Set(),
    // Templates: by PSUBSCRIBE pattern on a single server, by template channel on a cluster.
    templates: redisTemplates({
      prefix: config.prefix,
      sharded,
      router: () => (usable(s) ? s.router : undefined),
      subscribe: (channel) => subscribeChannel(s, channel),
      unsubscribe: (channel) => unsubscribeChannel(s, channel),
      fail: (text) => fail(s, ErrorCode.PublishFailed, text),
      wrap: (error, text) => wrap(s, error, text),
    }),
    buffer: createOfflineBuffer(config.offlineBuffer),
    sink: undefined,
    router: undefined,
    state: ConnectionState.Idle,
    since: Date.now(),
    downAt: undefined,
  };
  return {
    name: 'redis',
    remote: true,
    connect: (next) => connect(s, next),
    publish(channel, data, template) {
      if (!sharded || template === undefined) return publishOne(s, channel, data);
      // No patterns on sharded pub/sub: the template's channel gets the same bytes.
      return Promise.all([
        publishOne(s, channel, data),
        publishOne(s, templateChannel(template), data),
      ]).then(() => undefined);
    },
    subscribe: (channel) => subscribeChannel(s, channel),
    unsubscribe: (channel) => unsubscribeChannel(s, channel),
    subscribeTemplate: (template) => s.templates.subscribe(template),
    unsubscribeTemplate: (template) => s.templates.unsubscribe(template),
    close: () => close(s),
    status: () => status(s),
  };
}

async function close(s: RedisState): Promise<void> {
  const r = s.router;
  s.router = undefined;
  setState(s, ConnectionState.Closed);
  s.channels.clear();
  s.templates.clear();
  s.downAt = undefined;
  s.buffer.rejectAll(fail(s, ErrorCode.PublishFailed, 'closed before a held publish was sent'));
  await r?.close();
}

function status(s: RedisState): TransportStatus {
  const links = s.router?.links() ?? [];
  return {
    name: 'redis',
    state: s.state,
    since: s.since,
    channels: s.channels.size + s.templates.patterns.size,
    detail: {
      url: s.config.display,
      prefix: s.config.prefix,
      mode: s.config.mode,
      buffered: s.buffer.size,
      bufferLimit: s.buffer.limit,
      nodes: links.length,
      healthyNodes: links.filter((link) => link.healthy).length,
    },
  };
}
