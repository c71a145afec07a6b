/**
 * One connect-to-close lifetime of the LISTEN side: the current listener connection, its
 * LISTENs, the heartbeat, and reconnection.
 *
 * A lost connection (error, end, or silence past the heartbeat's deadline: listener.ts) is
 * reported as `disconnected`, with `since` = the time the last ANSWERED heartbeat (or the
 * reconnect's probe) was SENT. That is the one instant before which nothing can have been lost:
 * PostgreSQL hands a listener its notifications in commit order, and those committed before the
 * server took a query reach the client before the query's answer (an idle listening backend sends
 * them as they are signalled, and a busy one before its next ReadyForQuery; test/fault/postgres.test.ts
 * holds this on the machine's server). Whatever committed later may still have been in the
 * server, the socket or pg's buffers when the connection died, however recently a notification
 * was handed over, so neither a notification's arrival nor the answer's arrival may start the gap. It is reopened
 * with backoff and no attempt limit. Each attempt LISTENs every channel again and confirms the
 * result with a NOTIFY round trip through the pool on a private probe channel; only then is
 * `resubscribed` reported (the bus turns the pair into a gap).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ConnectionState, type TransportEvent } from '../transport.js';
import { quoteIdent } from './channels.js';
import { type Listener, type ListenerHandlers, openListener } from './listener.js';
import type { ResolvedOptions } from './options.js';
import { describe, poolQuery, withDeadline } from './sql.js';

/** What a session needs from its transport. */
export interface SessionDeps {
  readonly options: ResolvedOptions;
  readonly pool: pg.Pool;
  /** The private probe channel of this transport instance. */
  readonly probe: string;
  /** Server channel names that should be LISTENed (read on every sync). */
  readonly names: ReadonlyMap<string, string>;
  /** A NOTIFY on a channel other than the probe. */
  notification(serverChannel: string, payload: string): void;
  /** A connection event for the sink. */
  event(event: TransportEvent): void;
}

/** The LISTEN side of a connected transport. */
export interface Session {
  readonly state: ConnectionState;
  readonly since: number;
  /** Backend pid of the current listener, 0 while reconnecting. */
  readonly pid: number;
  readonly reconnects: number;
  /** Milliseconds from the last disconnect to its confirmed re-LISTEN, -1 before any. */
  readonly relistenMs: number;
  readonly lastError: string;
  /** Opens the first connection; rejects when that fails (no retry). */
  start(): Promise<void>;
  /** LISTENs / UNLISTENs on the current connection until it matches `names`. */
  sync(): Promise<void>;
  /** `pg_listening_channels()` on the current listener. */
  listening(): Promise<string[]>;
  /** Stops reconnecting and ends the listener (UNLISTEN *, bounded). */
  stop(): Promise<void>;
}

interface Conn {
  readonly l: Listener;
  readonly listened: Set<string>;
  /** When the probe that confirmed this connection was sent (see `since` above). */
  confirmedFrom: number;
}

/** Creates a session; nothing happens until `start()`. */
export function createSession(deps: SessionDeps): Session {
  const { options: o, pool, probe, names } = deps;
  const probes = new Map<string, () => void>();
  let current: Conn | undefined;
  let state: ConnectionState = ConnectionState.Connecting;
  let since = Date.now();
  let generation = 0;
  let disconnectedAt = 0;
  let reconnects = 0;
  let relistenMs = -1;
  let lastError = '';
  // When the last answered heartbeat (or confirming probe) was sent: a gap starts there.
  let lastAlive = Date.now();
  let stopped = false;
  let wake: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const setState = (next: ConnectionState): void => {
    state = next;
    since = Date.now();
  };

  /** Brings the LISTENs of `conn` in line with `names`; serialized, diffed when it runs. */
  function syncOn(conn: Conn): Promise<void> {
    const run = async (): Promise<void> => {
      const add = [...names.keys()].filter((n) => !conn.listened.has(n));
      const drop = [...conn.listened].filter((n) => !names.has(n));
      if (add.length === 0 && drop.length === 0) return;
      const sql = [
        ...add.map((n) => `LISTEN ${quoteIdent(n)}`),
        ...drop.map((n) => `UNLISTEN ${quoteIdent(n)}`),
      ].join('; ');
      await conn.l.query(sql, o.connectTimeoutMs);
      for (const n of add) conn.listened.add(n);
      for (const n of drop) conn.listened.delete(n);
    };
    const next = chain.then(run, run);
    chain = next.catch(() => undefined);
    return next;
  }

  /**
   * NOTIFYs a token on the probe channel through the pool and waits for it on the listener;
   * returns when the token was sent.
   */
  async function confirm(ms: number): Promise<number> {
    const token = randomBytes(8).toString('hex');
    const arrived = new Promise<void>((resolve) => probes.set(token, resolve));
    const sent = Date.now();
    try {
      await poolQuery(pool, 'SELECT pg_notify($1, $2)', [probe, token], ms);
      await withDeadline(arrived, ms, 'probe round trip');
      return sent;
    } finally {
      probes.delete(token);
    }
  }

  const handlersFor = (gen: number): ListenerHandlers => ({
    notification(channel, payload) {
      if (gen !== generation) return;
      if (channel === probe) probes.get(payload)?.();
      else deps.notification(channel, payload);
    },
    lost(reason) {
      if (gen === generation) lose(reason);
    },
  });

  /** One attempt: connect, LISTEN everything, confirm by a round trip, all within the timeout. */
  async function open(): Promise<Conn> {
    const gen = ++generation;
    const ms = o.connectTimeoutMs;
    let conn: Conn | undefined;
    const work = (async () => {
      const l = await openListener(o.client, ms, handlersFor(gen));
      conn = { l, listened: new Set(), confirmedFrom: 0 };
      if (gen !== generation) throw new Error('superseded');
      await l.query(`LISTEN ${quoteIdent(probe)}`, ms);
      await syncOn(conn);
      conn.confirmedFrom = await confirm(ms);
      return conn;
    })();
    try {
      const opened = await withDeadline(work, ms, 'connect');
      if (gen !== generation) throw new Error('superseded');
      return opened;
    } catch (cause) {
      if (gen === generation) generation++;
      conn?.l.destroy();
      work.then(
        (late) => late.l.destroy(),
        () => undefined,
      );
      throw cause;
    }
  }

  /** Makes `conn` current and catches up on channels (un)subscribed during the attempt. */
  async function adopt(conn: Conn): Promise<void> {
    current = conn;
    lastAlive = conn.confirmedFrom;
    setState(ConnectionState.Connected);
    await syncOn(conn).catch((cause: unknown) => lose(`LISTEN failed: ${describe(cause)}`));
  }

  function lose(reason: string): void {
    if (state !== ConnectionState.Connected || stopped) return;
    current?.l.destroy();
    current = undefined;
    generation++;
    disconnectedAt = Date.now();
    lastError = reason;
    setState(ConnectionState.Reconnecting);
    deps.event({ type: 'disconnected', reason, since: Math.min(lastAlive, disconnectedAt) });
    void reconnect();
  }

  async function reconnect(): Promise<void> {
    for (let attempt = 1; !stopped; attempt++) {
      const base = o.initialDelayMs * 2 ** Math.min(attempt - 1, 20);
      const delayMs = Math.min(o.maxDelayMs, Math.round(base * (0.9 + Math.random() * 0.2)));
      deps.event({ type: 'reconnecting', attempt, delayMs });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      if (stopped) return;
      let conn: Conn;
      try {
        conn = await open();
      } catch (cause) {
        lastError = describe(cause);
        continue;
      }
      if (stopped) {
        conn.l.destroy();
        return;
      }
      await adopt(conn);
      // Lost again while catching up: lose() has already started the next round.
      if (current !== conn) return;
      reconnects++;
      relistenMs = Date.now() - disconnectedAt;
      deps.event({ type: 'connected' });
      deps.event({ type: 'resubscribed', channels: names.size, ms: relistenMs });
      return;
    }
  }

  function beat(): void {
    let beating = false;
    heartbeat = setInterval(() => {
      const conn = current;
      if (!conn || beating || state !== ConnectionState.Connected) return;
      beating = true;
      const sent = Date.now();
      conn.l
        .query('SELECT 1', o.heartbeatTimeoutMs)
        .then(() => {
          if (current === conn) lastAlive = sent;
        })
        .catch((cause: unknown) => {
          if (current === conn) lose(`heartbeat failed: ${describe(cause)}`);
        })
        .finally(() => {
          beating = false;
        });
    }, o.heartbeatMs);
    heartbeat.unref();
  }

  return {
    get state() {
      return state;
    },
    get since() {
      return since;
    },
    get pid() {
      return current?.l.pid ?? 0;
    },
    get reconnects() {
      return reconnects;
    },
    get relistenMs() {
      return relistenMs;
    },
    get lastError() {
      return lastError;
    },
    async start() {
      await adopt(await open());
      beat();
    },
    async sync() {
      if (current && state === ConnectionState.Connected) await syncOn(current);
    },
    async listening() {
      if (!current) throw new Error(`the listener is not connected (${state})`);
      const result = await current.l.query(
        'SELECT pg_listening_channels() AS c',
        o.connectTimeoutMs,
      );
      return result.rows.map((row: { c: string }) => row.c);
    },
    async stop() {
      stopped = true;
      generation++;
      clearInterval(heartbeat);
      wake?.();
      const conn = current;
      current = undefined;
      setState(ConnectionState.Closed);
      await conn?.l.end(1000);
    },
  };
}
