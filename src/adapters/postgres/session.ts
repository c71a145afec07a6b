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
import { ConnectionState } from '../transport.js';
import { adopt, beat, openConn } from './session-reconnect.js';
import { createCore, type SessionDeps, setState } from './session-state.js';
import { syncOn } from './session-sync.js';

export type { SessionDeps } from './session-state.js';

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

/** Creates a session; nothing happens until `start()`. */
export function createSession(deps: SessionDeps): Session {
  const core = createCore(deps);
  return {
    get state() {
      return core.state;
    },
    get since() {
      return core.since;
    },
    get pid() {
      return core.current?.l.pid ?? 0;
    },
    get reconnects() {
      return core.reconnects;
    },
    get relistenMs() {
      return core.relistenMs;
    },
    get lastError() {
      return core.lastError;
    },
    async start() {
      await adopt(core, await openConn(core));
      beat(core);
    },
    async sync() {
      if (core.current && core.state === ConnectionState.Connected)
        await syncOn(core, core.current);
    },
    async listening() {
      const { current } = core;
      if (!current) throw new Error(`the listener is not connected (${core.state})`);
      const result = await current.l.query(
        'SELECT pg_listening_channels() AS c',
        core.o.connectTimeoutMs,
      );
      return result.rows.map((row: { c: string }) => row.c);
    },
    async stop() {
      core.stopped = true;
      core.generation++;
      clearInterval(core.heartbeat);
      core.wake?.();
      const conn = core.current;
      core.current = undefined;
      setState(core, ConnectionState.Closed);
      await conn?.l.end(1000);
    },
  };
}
