/**
 * The NATS transport (nats.js): `natsTransport({ url, servers, credentials, tls, prefix })`.
 *
 * It moves encoded envelopes over NATS core subjects and reports its connection state; the bus
 * does everything else. One connection; one server subscription per channel, on the subject
 * that docs/transports/nats.md defines; consumer groups as NATS queue groups. A round-trip
 * heartbeat detects half-open connections in bounded time; nats.js reconnects without a limit
 * and resubscribes, and the transport confirms that with a flush round trip before it reports
 * `resubscribed` (the bus turns the outage into a gap). Publishes reject with PUBLISH_FAILED
 * while the connection is down.
 *
 * The steps live in their own modules around one state object (state.ts): the connection's
 * health (health.ts), the server subscriptions (subscriptions.ts, listen.ts), and here the
 * connect, publish and close of the Transport interface.
 *
 * Delivery is at most once, as with NATS core itself: a gap means messages may be lost. Durable
 * topics are JetStream's (durable-store.ts), wrapped around this core transport.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode } from '../../errors.js';
import {
  ConnectionState,
  type Transport,
  type TransportSink,
  type TransportStatus,
} from '../transport.js';
import { openConnection } from './connection.js';
import { natsjs } from './driver.js';
import { withJetStream } from './durable-store.js';
import { beat, watchStatus } from './health.js';
import { type NatsTransportOptions, type ResolvedNatsOptions, resolveOptions } from './options.js';
import { createOutbox, type Outbox, type OutboxTarget } from './outbox.js';
import { fail, initialState, type NatsState, setState, subjectFor, text, wrap } from './state.js';
import * as subscriptions from './subscriptions.js';

export type { NatsCredentials, NatsTlsOptions, NatsTransportOptions } from './options.js';
export { channelOf, subjectOf } from './subjects.js';

/** Opens the connection and starts its health watch; the sink hears `connected`. */
async function connect(s: NatsState, next: TransportSink): Promise<void> {
  if (s.state !== ConnectionState.Idle && s.state !== ConnectionState.Closed) {
    throw fail(s, ErrorCode.ConnectFailed, `connect() while ${s.state}`);
  }
  s.sink = next;
  setState(s, ConnectionState.Connecting);
  let conn: NatsConnection;
  try {
    conn = await openConnection(s.config);
  } catch (error) {
    setState(s, ConnectionState.Idle);
    throw fail(s, ErrorCode.ConnectFailed, `cannot connect: ${text(error)}`, error);
  }
  if (s.sink !== next || (s.state as ConnectionState) !== ConnectionState.Connecting) {
    await conn.close().catch(() => {});
    throw fail(s, ErrorCode.ConnectFailed, 'closed while connecting');
  }
  s.nc = conn;
  s.heard = Date.now();
  s.lastGood = s.heard;
  setState(s, ConnectionState.Connected);
  void watchStatus(s, conn).catch(() => {});
  s.heartbeat = setInterval(() => beat(s, conn), s.config.heartbeatMs);
  s.heartbeat.unref();
  next.event({ type: 'connected' });
}

const encoder = new TextEncoder();

/**
 * Hands one message to the tick's outbox (outbox.ts), which hands the tick's messages to the
 * connection's write buffer together. Refused at once while not connected, and when larger than
 * the server's `max_payload`.
 */
function publish(
  s: NatsState,
  outbox: Outbox,
  channel: string,
  data: string | Uint8Array,
): Promise<void> {
  const conn = s.nc;
  if (!conn || s.state !== ConnectionState.Connected || conn.isClosed()) {
    return Promise.reject(
      fail(s, ErrorCode.PublishFailed, `publish on "${channel}" while ${s.state}`),
    );
  }
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const max = conn.info?.max_payload;
  if (max !== undefined && bytes.length > max) {
    return Promise.reject(
      fail(
        s,
        ErrorCode.PublishFailed,
        `publish on "${channel}" failed: ${bytes.length} bytes exceed the server's max_payload ${max}`,
      ),
    );
  }
  return outbox.add(subjectFor(s, channel), bytes);
}

/** Where the outbox of `s` publishes: the connection of the moment. */
function outboxTarget(s: NatsState): OutboxTarget {
  return {
    publish(subject, data) {
      if (!s.nc) throw new Error('the connection was closed');
      s.nc.publish(subject, data);
    },
    refused: (error) => wrap(s, error, 'publish failed'),
  };
}

/** Closes the connection (nats.js flushes pending writes); idempotent. */
async function close(s: NatsState, outbox: Outbox): Promise<void> {
  outbox.drain(); // what was published before close() goes out with the close's flush
  const conn = s.nc;
  s.nc = undefined;
  clearInterval(s.heartbeat);
  setState(s, ConnectionState.Closed);
  s.subs.clear();
  s.downAt = undefined;
  await conn?.close().catch(() => {});
}

function status(s: NatsState): TransportStatus {
  return {
    name: 'nats',
    state: s.state,
    since: s.since,
    channels: s.subs.size,
    detail: {
      servers: s.config.display,
      server: s.nc?.getServer() ?? '',
      prefix: s.config.prefix,
    },
  };
}

/** Creates a NATS transport, durable topics on JetStream included. Invalid options throw a ConfigError here. */
export function natsTransport(options: NatsTransportOptions = {}): Transport {
  const config = resolveOptions(options);
  return withJetStream(natsCoreTransport(config), config);
}

/** The NATS core transport: channels, groups and templates on plain subjects. */
function natsCoreTransport(config: ResolvedNatsOptions): Transport {
  natsjs(); // an optional peer: refused here, with its install hint, when it is not installed
  const s = initialState(config);
  const on = subscriptions.listenerOf(s);
  const target = outboxTarget(s);
  const outbox = createOutbox(() => target);
  return {
    name: 'nats',
    connect: (next) => connect(s, next),
    publish: (channel, data) => publish(s, outbox, channel, data),
    groups: true,
    // A network transport: the bus batches by default, as on Redis and PostgreSQL.
    remote: true,
    subscribe: (channel, group) => subscriptions.subscribe(s, on, channel, group),
    unsubscribe: (channel, group) => subscriptions.unsubscribe(s, channel, group),
    // A template is one wildcard subscription; nats.js resubscribes it with the rest.
    subscribeTemplate: (template) => subscriptions.subscribeTemplate(s, on, template),
    unsubscribeTemplate: (template) => subscriptions.unsubscribeTemplate(s, template),
    close: () => close(s, outbox),
    get batchBytes() {
      return s.nc?.info?.max_payload ?? Number.POSITIVE_INFINITY;
    },
    status: () => status(s),
  };
}
