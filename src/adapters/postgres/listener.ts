/**
 * The dedicated LISTEN connection: one `pg.Client`, never a pooled one (a pooled client would
 * drop its LISTENs when returned, and hand NOTIFYs to whoever borrowed it next).
 *
 * Queries on it are serialized (pg deprecates concurrent queries on one client) and each has a
 * deadline: a connection that stays SILENT for that long is dead even if the socket never said
 * so, so it is destroyed and reported lost, once.
 *
 * Silent, not slow: a reply queues behind every notification sent before it, and a subscriber
 * slower than the stream can have seconds of them in front of a heartbeat's answer (the
 * server's notification queue holds up to 8 GB). Destroying that connection would throw away
 * everything it had not read yet, so the deadline restarts with every notification heard, and
 * before it is declared missed the event loop gets one pass to read what the socket already holds
 * (a `setImmediate` after the timer runs after the poll phase): a busy event loop is not a silent
 * server.
 */
import type pg from 'pg';
import { pgModule } from './driver.js';
import { endListener, type Link, serialQueries } from './listener-link.js';

/** What the listener reports to its owner. */
export interface ListenerHandlers {
  /** A NOTIFY arrived. */
  notification(channel: string, payload: string): void;
  /** The connection is gone (error, end, or a query past its deadline). Called at most once. */
  lost(reason: string): void;
}

/** An open LISTEN connection. */
export interface Listener {
  /** Backend process id of the connection (for `pg_terminate_backend`, `pg_stat_activity`). */
  readonly pid: number;
  /** Runs one simple-protocol query after the previous ones; destroys the connection on timeout. */
  query(sql: string, ms: number): Promise<pg.QueryResult>;
  /** Destroys the socket at once. */
  destroy(): void;
  /** UNLISTEN *, then a polite end, both bounded by `ms`; destroys the socket if they stall. */
  end(ms: number): Promise<void>;
}

/** Opens a LISTEN connection; rejects when it cannot connect within `ms`. */
export async function openListener(
  config: pg.ClientConfig,
  ms: number,
  handlers: ListenerHandlers,
): Promise<Listener> {
  const client = new (pgModule().Client)({
    fallback_application_name: 'herald-listener',
    ...config,
    connectionTimeoutMillis: ms,
    keepAlive: true,
  });
  const link: Link = {
    client,
    gone: false,
    heard: Date.now(),
    lose(reason) {
      if (link.gone) return;
      link.gone = true;
      handlers.lost(reason);
    },
    destroy() {
      link.gone = true;
      client.connection.stream.destroy();
    },
  };
  // pg emits 'error' for a broken connection; without a listener Node would throw it.
  client.on('error', (error: Error) => link.lose(error.message));
  client.on('end', () => link.lose('connection ended'));
  client.on('notification', (message) => {
    link.heard = Date.now();
    if (!link.gone) handlers.notification(message.channel, message.payload ?? '');
  });
  const query = serialQueries(link);
  try {
    await client.connect();
    const result = await query('SELECT pg_backend_pid() AS pid', ms);
    const pid = Number((result.rows[0] as { pid?: unknown } | undefined)?.pid ?? 0);
    return {
      pid,
      query,
      destroy: link.destroy,
      end: (timeoutMs) => endListener(link, query, timeoutMs),
    };
  } catch (error) {
    link.destroy();
    throw error;
  }
}
