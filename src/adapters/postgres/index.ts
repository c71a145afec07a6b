/**
 * The PostgreSQL transport: LISTEN/NOTIFY through `pg`.
 *
 * - A dedicated LISTEN connection (a `pg.Client`, never a pooled one); NOTIFY through
 *   `SELECT pg_notify($1, $2)` from a pool (yours, or one Herald owns). See session.ts.
 * - The publishes of one tick, and those that waited for a busy pool, share one round trip,
 *   each still its own NOTIFY (notifier.ts).
 * - Channel names of at most 63 bytes, derived the same way on every node (channels.ts).
 * - Envelopes over the NOTIFY payload limit go through a claim-check table (claims.ts).
 * - A `SELECT 1` heartbeat with a deadline catches a connection that died silently; a lost
 *   connection is reopened forever, with backoff, and re-LISTENs are confirmed by a round trip.
 *
 * Delivery is at most once, like NOTIFY itself; see docs/transports/postgres.md.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ErrorCode, TransportError } from '../../errors.js';
import {
  ConnectionState,
  type Transport,
  type TransportSink,
  type TransportStatus,
  templateChannel,
} from '../transport.js';
import { byteLength, channelName, probeChannelName } from './channels.js';
import { claimFetcher, startSweeper } from './claim-fetch.js';
import { type ClaimStore, createClaimStore, parseClaimMarker } from './claims.js';
import { pgModule } from './driver.js';
import { createInbox } from './inbox.js';
import { createNotifier, type Notifier } from './notifier.js';
import { type PostgresTransportOptions, resolveOptions } from './options.js';
import { createSession, type Session } from './session.js';
import { describe, isServerError, withDeadline } from './sql.js';

export { channelName, MAX_CHANNEL_BYTES } from './channels.js';
export {
  DEFAULT_DATABASE_URL,
  NOTIFY_PAYLOAD_LIMIT,
  type PostgresTransportOptions,
} from './options.js';

/** The PostgreSQL transport, with two extras for tests and diagnostics. */
export interface PostgresTransport extends Transport {
  /** The PostgreSQL channel name of a Herald channel (the same on every node). */
  channelName(channel: string): string;
  /**
   * `pg_listening_channels()` as seen by the LISTEN connection itself, including the private
   * probe channel (its name contains `#probe#`). Rejects when not connected.
   */
  listening(): Promise<string[]>;
}

const NAME_CACHE = 10_000;
/** Payload bytes one shared NOTIFY statement carries at most. */
const STATEMENT_BYTES = 256 * 1024;

/** A server error that still means "the connection is gone" (classes 08 and 57). */
const connectionLost = (error: unknown): boolean =>
  !isServerError(error) || error.code.startsWith('08') || error.code.startsWith('57');

/** Creates a PostgreSQL LISTEN/NOTIFY transport. Invalid options throw a ConfigError here. */
export function postgresTransport(options: PostgresTransportOptions = {}): PostgresTransport {
  const o = resolveOptions(options);
  const instance = randomBytes(8).toString('hex');
  const probe = probeChannelName(o.prefix, instance);
  const names = new Map<string, string>(); // server name -> Herald channel, while subscribed
  const nameCache = new Map<string, string>();
  const counts = { claimChecks: 0, claimsFetched: 0, claimsMissing: 0, claimsLost: 0 };
  let sink: TransportSink | undefined;
  let pool: pg.Pool | undefined;
  let claims: ClaimStore | undefined;
  let notifier: Notifier | undefined;
  let notifyStatements = 0;
  let session: Session | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  let idleState: ConnectionState = ConnectionState.Idle;
  let idleSince = Date.now();

  const state = (): ConnectionState => session?.state ?? idleState;
  const live = (): boolean =>
    state() === ConnectionState.Connected || state() === ConnectionState.Reconnecting;
  // Template channels (a mirror: LISTEN has no patterns), by Herald channel.
  const templates = new Map<string, string>();
  const inbox = createInbox((channel, data) => {
    if (live())
      sink?.message(channel, data, templates.size === 0 ? undefined : templates.get(channel));
  });

  const serverName = (channel: string): string => {
    let name = nameCache.get(channel);
    if (name === undefined) {
      if (nameCache.size >= NAME_CACHE) nameCache.clear();
      name = channelName(o.prefix, channel);
      nameCache.set(channel, name);
    }
    return name;
  };

  const fail = (code: ErrorCode, message: string, cause?: unknown, hint?: string) =>
    new TransportError(code, `postgres transport: ${message}`, {
      transport: 'postgres',
      cause,
      hint: hint ?? `check that PostgreSQL at ${o.host}:${o.port}/${o.database} is reachable`,
    });

  const fetchClaim = claimFetcher({
    ttlMs: o.ttlMs,
    timeoutMs: o.publishTimeoutMs,
    store: () => claims as ClaimStore,
    live,
    connected: () => state() === ConnectionState.Connected,
    sink: () => sink,
    counts,
    channels: () => names.size,
  });

  function received(serverChannel: string, payload: string): void {
    const channel = names.get(serverChannel);
    if (channel === undefined) return;
    const marker = parseClaimMarker(payload);
    // Our own large messages are not fetched back: the bus would drop them as echoes.
    if (!marker) inbox.push(channel, payload);
    else if (marker.instance !== instance)
      inbox.push(channel, fetchClaim(marker.id, channel, serverChannel, Date.now()));
  }

  return {
    name: 'postgres',
    // Batches fit one NOTIFY, so they never take the claim check's extra round trips.
    batchBytes: o.thresholdBytes,
    channelName: serverName,
    async connect(nextSink) {
      if (closing) await closing;
      if (session) throw fail(ErrorCode.ConnectFailed, `connect() while ${state()}`);
      closing = undefined;
      sink = nextSink;
      const owned = o.pool
        ? undefined
        : new (pgModule().Pool)({
            ...o.poolConfig,
            connectionTimeoutMillis: o.poolConfig.connectionTimeoutMillis ?? o.connectTimeoutMs,
          });
      // An owned pool's idle clients report server restarts here; the listener handles them.
      owned?.on('error', () => undefined);
      const target = (owned ?? o.pool) as pg.Pool;
      const next = createSession({
        options: o,
        pool: target,
        probe,
        names,
        notification: received,
        event: (event) => sink?.event(event),
      });
      session = next;
      pool = target;
      claims = createClaimStore(target, o.table, instance, o.ttlMs);
      const store = claims;
      notifier = createNotifier(target, {
        maxPerQuery: o.maxNotifiesPerQuery,
        maxBytes: STATEMENT_BYTES,
        timeoutMs: o.publishTimeoutMs,
        sendLarge: (name, data, ms) => store.publish(name, data, ms),
      });
      try {
        await next.start();
      } catch (cause) {
        session = undefined;
        pool = undefined;
        claims = undefined;
        notifier = undefined;
        await next.stop();
        // Not awaited: connect() must reject within connectTimeoutMs, even if the pool dawdles.
        owned?.end().catch(() => undefined);
        throw fail(
          ErrorCode.ConnectFailed,
          `cannot connect to ${o.host}:${o.port}/${o.database}: ${describe(cause)}`,
          cause,
        );
      }
      sweeper = startSweeper(claims, o.sweepMs, o.publishTimeoutMs, () => state());
      nextSink.event({ type: 'connected' });
    },
    async publish(channel, data, template) {
      if (!notifier || !claims || !live()) {
        throw fail(ErrorCode.PublishFailed, `publish while ${state()}`, undefined, 'connect first');
      }
      const name = serverName(channel);
      // LISTEN has no patterns: a wildcard topic's messages also go to its template's channel.
      const mirror = template === undefined ? undefined : serverName(templateChannel(template));
      try {
        const bytes = byteLength(data);
        if (bytes <= o.thresholdBytes) {
          await notifier.notify(name, data, bytes, mirror);
        } else {
          // Through the notifier too, so a large message keeps its place in publish order; a
          // claim row belongs to one channel, so a mirror takes a row of its own.
          await notifier.large(name, data, bytes);
          if (mirror !== undefined) await notifier.large(mirror, data, bytes);
          counts.claimChecks++;
        }
      } catch (cause) {
        throw fail(
          ErrorCode.PublishFailed,
          `publish on "${channel}" failed: ${describe(cause)}`,
          cause,
        );
      }
    },
    async subscribe(channel) {
      if (!session || !live()) {
        throw fail(
          ErrorCode.PublishFailed,
          `subscribe while ${state()}`,
          undefined,
          'connect first',
        );
      }
      const name = serverName(channel);
      names.set(name, channel);
      try {
        // While reconnecting this returns at once: the next connection LISTENs every name.
        await session.sync();
      } catch (cause) {
        // A lost connection is retried (and reported as a gap); a refusal is an error.
        if (connectionLost(cause)) return;
        names.delete(name);
        throw fail(
          ErrorCode.PublishFailed,
          `LISTEN for "${channel}" failed: ${describe(cause)}`,
          cause,
        );
      }
    },
    async unsubscribe(channel) {
      if (!names.delete(serverName(channel))) return;
      await session?.sync().catch(() => undefined);
    },
    async subscribeTemplate(template) {
      const channel = templateChannel(template);
      templates.set(channel, template);
      await this.subscribe(channel).catch((error: unknown) => {
        templates.delete(channel);
        throw error;
      });
    },
    async unsubscribeTemplate(template) {
      const channel = templateChannel(template);
      templates.delete(channel);
      await this.unsubscribe(channel);
    },
    close() {
      closing ??= (async () => {
        const ending = session;
        const owned = o.pool ? undefined : pool;
        session = undefined;
        pool = undefined;
        claims = undefined;
        if (notifier) notifyStatements += notifier.statements;
        notifier = undefined;
        clearInterval(sweeper);
        names.clear();
        templates.clear();
        idleState = ConnectionState.Closed;
        idleSince = Date.now();
        await ending?.stop();
        if (owned) await withDeadline(owned.end(), 2000, 'pool end').catch(() => undefined);
      })();
      return closing;
    },
    async listening() {
      if (!session) throw fail(ErrorCode.PublishFailed, `not connected (${state()})`);
      return session.listening();
    },
    status(): TransportStatus {
      return {
        name: 'postgres',
        state: state(),
        since: session?.since ?? idleSince,
        channels: names.size,
        detail: {
          host: o.host,
          port: o.port,
          database: o.database,
          prefix: o.prefix,
          ownsPool: !o.pool,
          listenerPid: session?.pid ?? 0,
          reconnects: session?.reconnects ?? 0,
          relistenMs: session?.relistenMs ?? -1,
          lastError: session?.lastError ?? '',
          ...counts,
          notifyStatements: notifyStatements + (notifier?.statements ?? 0),
          notifyWaiting: notifier?.waiting ?? 0,
          pendingFetches: inbox.pending,
        },
      };
    },
  };
}
