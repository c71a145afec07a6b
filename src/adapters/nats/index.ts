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
 * At most once, as NATS core itself (a gap: loss); durable topics are JetStream's: durable-store.ts.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ErrorCode, HeraldError, TransportError } from '../../errors.js';
import { watchSilence } from '../silence.js';
import {
  ConnectionState,
  type Transport,
  type TransportSink,
  type TransportStatus,
} from '../transport.js';
import { openConnection } from './connection.js';
import { natsjs } from './driver.js';
import { withJetStream } from './durable-store.js';
import * as listen from './listen.js';
import { type NatsTransportOptions, resolveOptions } from './options.js';
import { subjectOf } from './subjects.js';

export type { NatsCredentials, NatsTlsOptions, NatsTransportOptions } from './options.js';
export { channelOf, subjectOf } from './subjects.js';

type Code = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Channels whose subject a transport remembers (cleared when full). */
const SUBJECT_CACHE = 10_000;

const text = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Creates a NATS transport, durable topics on JetStream included. Throws a ConfigError on bad options. */
export const natsTransport = (options: NatsTransportOptions = {}): Transport =>
  withJetStream(natsCoreTransport(options), resolveOptions(options));
function natsCoreTransport(options: NatsTransportOptions): Transport {
  natsjs(); // an optional peer: refused here, with its install hint, when it is not installed
  const config = resolveOptions(options);
  const subs = new Map<string, Subscription>();
  // The subject of a channel is pure (subjects.ts); a publish looks it up instead of escaping.
  const subjects = new Map<string, string>();
  const subjectFor = (channel: string): string => {
    let subject = subjects.get(channel);
    if (subject === undefined) {
      if (subjects.size >= SUBJECT_CACHE) subjects.clear();
      subject = subjectOf(config.prefix, channel);
      subjects.set(channel, subject);
    }
    return subject;
  };
  let sink: TransportSink | undefined;
  let nc: NatsConnection | undefined;
  let state: ConnectionState = ConnectionState.Idle;
  let since = Date.now();
  /** Any sign of life (a message, a reply): restarts the silence deadline. */
  let heard = 0;
  /** When the last confirmed round trip started: the connection worked until then. */
  let lastGood = 0;
  let downAt: number | undefined;
  let attempt = 0;
  let heartbeat: NodeJS.Timeout | undefined;
  let beating = false;

  const setState = (next: ConnectionState): void => {
    if (next !== state) since = Date.now();
    state = next;
  };
  const fail = (code: Code, what: string, cause?: unknown): TransportError =>
    new TransportError(code, `nats transport (${config.display}): ${what}`, {
      transport: 'nats',
      cause,
      hint:
        code === ErrorCode.ConnectFailed
          ? 'check that nats-server runs and is reachable, the url / servers (NATS_URL) and the credentials'
          : 'the transport reconnects by itself; bus.transport() shows its state',
    });
  const wrap = (error: unknown, what: string): HeraldError =>
    error instanceof HeraldError
      ? error
      : fail(ErrorCode.PublishFailed, `${what}: ${text(error)}`, error);

  /** One PING round trip at a time; silence past the timeout forces a reconnect. */
  function beat(conn: NatsConnection): void {
    if (beating || state !== ConnectionState.Connected || nc !== conn) return;
    beating = true;
    const sent = Date.now();
    const watch = watchSilence(
      config.heartbeatTimeoutMs,
      Date.now(),
      () => heard,
      () => {
        if (nc === conn && state === ConnectionState.Connected) conn.reconnect().catch(() => {});
      },
    );
    conn.flush().then(
      () => {
        heard = Date.now();
        lastGood = sent;
        beating = false;
        watch.cancel();
      },
      () => {
        beating = false;
        watch.cancel();
      },
    );
  }

  function down(reason: string): void {
    if (state === ConnectionState.Connected) {
      setState(ConnectionState.Reconnecting);
      downAt = Date.now();
      attempt = 0;
    }
    if (state === ConnectionState.Reconnecting) {
      sink?.event({ type: 'disconnected', reason, since: lastGood });
    }
  }

  /** Back after a reconnect: resubscribed by nats.js, confirmed by one round trip. */
  async function back(conn: NatsConnection): Promise<void> {
    const sent = Date.now();
    try {
      await conn.flush();
    } catch {
      return; // down again: the next reconnect confirms
    }
    if (nc !== conn || state !== ConnectionState.Reconnecting) return;
    heard = Date.now();
    lastGood = sent;
    setState(ConnectionState.Connected);
    const ms = Date.now() - (downAt ?? Date.now());
    downAt = undefined;
    sink?.event({ type: 'connected' });
    sink?.event({ type: 'resubscribed', channels: subs.size, ms });
  }

  async function watchStatus(conn: NatsConnection): Promise<void> {
    for await (const s of conn.status()) {
      if (nc !== conn) return;
      if (s.type === 'disconnect') down(`connection to ${s.server} lost`);
      else if (s.type === 'staleConnection') down('the server stopped answering (stale)');
      else if (s.type === 'reconnecting' && state === ConnectionState.Reconnecting) {
        attempt++;
        sink?.event({ type: 'reconnecting', attempt, delayMs: config.reconnectWaitMs });
      } else if (s.type === 'reconnect') void back(conn);
    }
  }

  const on: listen.Listener = { sink: () => sink, heard: () => void (heard = Date.now()) };

  /** The live connection for a server subscription; refused while closed or connecting. */
  function live(what: string): NatsConnection {
    const conn = nc;
    if (!conn || (state !== ConnectionState.Connected && state !== ConnectionState.Reconnecting)) {
      throw fail(ErrorCode.PublishFailed, `${what} while ${state}`);
    }
    return conn;
  }

  async function confirm(what: string): Promise<void> {
    try {
      await nc?.flush();
    } catch (error) {
      throw wrap(error, what);
    }
  }

  return {
    name: 'nats',

    async connect(next) {
      if (state !== ConnectionState.Idle && state !== ConnectionState.Closed) {
        throw fail(ErrorCode.ConnectFailed, `connect() while ${state}`);
      }
      sink = next;
      setState(ConnectionState.Connecting);
      let conn: NatsConnection;
      try {
        conn = await openConnection(config);
      } catch (error) {
        setState(ConnectionState.Idle);
        throw fail(ErrorCode.ConnectFailed, `cannot connect: ${text(error)}`, error);
      }
      if (sink !== next || (state as ConnectionState) !== ConnectionState.Connecting) {
        await conn.close().catch(() => {});
        throw fail(ErrorCode.ConnectFailed, 'closed while connecting');
      }
      nc = conn;
      heard = Date.now();
      lastGood = heard;
      setState(ConnectionState.Connected);
      void watchStatus(conn).catch(() => {});
      heartbeat = setInterval(() => beat(conn), config.heartbeatMs);
      heartbeat.unref();
      next.event({ type: 'connected' });
    },

    publish(channel, data) {
      const conn = nc;
      if (!conn || state !== ConnectionState.Connected) {
        return Promise.reject(
          fail(ErrorCode.PublishFailed, `publish on "${channel}" while ${state}`),
        );
      }
      try {
        conn.publish(subjectFor(channel), data);
      } catch (error) {
        return Promise.reject(wrap(error, `publish on "${channel}" failed`));
      }
      return Promise.resolve();
    },

    groups: true,
    // A network transport: the bus batches by default, as on Redis and PostgreSQL.
    remote: true,

    async subscribe(channel, group) {
      const key = listen.subKey(channel, group);
      if (subs.has(key)) return;
      const conn = live(`subscribe to "${channel}"`);
      subs.set(key, listen.listenChannel(conn, subjectFor(channel), channel, group, on));
      await confirm(`subscribe to "${channel}" failed`);
    },

    async unsubscribe(channel, group) {
      const key = listen.subKey(channel, group);
      const sub = subs.get(key);
      if (group !== undefined && sub && state === ConnectionState.Connected) {
        // A group member leaves by draining: what the server already sent it is still handed
        // to the bus (which keeps the subscription until this resolves), so nothing is lost.
        try {
          await sub.drain();
        } catch (error) {
          throw wrap(error, `leaving group "${group}" on "${channel}" failed`);
        } finally {
          subs.delete(key);
        }
        return;
      }
      subs.delete(key);
      sub?.unsubscribe();
      await confirm(`unsubscribe from "${channel}" failed`);
    },

    // A template is one wildcard subscription (listen.ts); nats.js resubscribes it with the rest.
    async subscribeTemplate(template) {
      const key = listen.templateKey(template);
      if (subs.has(key)) return;
      const subject = listen.templatePattern(config.prefix, template);
      if (subject === undefined) {
        throw fail(ErrorCode.PublishFailed, `the template "${template}" exceeds a NATS subject`);
      }
      const conn = live(`subscribe to "${template}"`);
      subs.set(key, listen.listenTemplate(conn, config.prefix, subject, template, on));
      await confirm(`subscribe to "${template}" failed`);
    },

    async unsubscribeTemplate(template) {
      subs.get(listen.templateKey(template))?.unsubscribe();
      subs.delete(listen.templateKey(template));
      await confirm(`unsubscribe from "${template}" failed`);
    },

    async close() {
      const conn = nc;
      nc = undefined;
      clearInterval(heartbeat);
      setState(ConnectionState.Closed);
      subs.clear();
      downAt = undefined;
      await conn?.close().catch(() => {});
    },

    get batchBytes() {
      return nc?.info?.max_payload ?? Number.POSITIVE_INFINITY;
    },

    status(): TransportStatus {
      return {
        name: 'nats',
        state,
        since,
        channels: subs.size,
        detail: {
          servers: config.display,
          server: nc?.getServer() ?? '',
          prefix: config.prefix,
        },
      };
    },
  };
}
