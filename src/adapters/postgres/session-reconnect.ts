/**
 * Losing a connection and getting one back: `lose` reports `disconnected` (its `since` is the
 * last instant nothing can have been lost, session.ts) and starts the reconnect loop, which
 * retries forever with jittered exponential backoff; a confirmed connection is adopted, then
 * `connected` and `resubscribed` are reported (the bus turns the pair into a gap).
 */
import { ConnectionState } from '../transport.js';
import { open } from './session-open.js';
import { type Conn, type SessionCore, setState } from './session-state.js';
import { syncOn } from './session-sync.js';
import { describe } from './sql.js';

/** Makes `conn` current and catches up on channels (un)subscribed during the attempt. */
export async function adopt(core: SessionCore, conn: Conn): Promise<void> {
  core.current = conn;
  core.lastAlive = conn.confirmedFrom;
  setState(core, ConnectionState.Connected);
  await syncOn(core, conn).catch((cause: unknown) =>
    lose(core, `LISTEN failed: ${describe(cause)}`),
  );
}

/** The connection is gone: report it and reconnect (once per loss; nothing after stop). */
export function lose(core: SessionCore, reason: string): void {
  if (core.state !== ConnectionState.Connected || core.stopped) return;
  core.current?.l.destroy();
  core.current = undefined;
  core.generation++;
  core.disconnectedAt = Date.now();
  core.lastError = reason;
  setState(core, ConnectionState.Reconnecting);
  const since = Math.min(core.lastAlive, core.disconnectedAt);
  core.deps.event({ type: 'disconnected', reason, since });
  void reconnect(core);
}

/** Opens a connection whose loss `lose`s it. */
export const openConn = (core: SessionCore): Promise<Conn> =>
  open(core, (reason) => lose(core, reason));

/** Waits out attempt `attempt`'s backoff, or until `wake`. */
async function backoff(core: SessionCore, attempt: number): Promise<void> {
  const { initialDelayMs, maxDelayMs } = core.o;
  const base = initialDelayMs * 2 ** Math.min(attempt - 1, 20);
  const delayMs = Math.min(maxDelayMs, Math.round(base * (0.9 + Math.random() * 0.2)));
  core.deps.event({ type: 'reconnecting', attempt, delayMs });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, delayMs);
    core.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  core.wake = undefined;
}

async function reconnect(core: SessionCore): Promise<void> {
  for (let attempt = 1; !core.stopped; attempt++) {
    await backoff(core, attempt);
    if (core.stopped) return;
    let conn: Conn;
    try {
      conn = await openConn(core);
    } catch (cause) {
      core.lastError = describe(cause);
      continue;
    }
    if (core.stopped) {
      conn.l.destroy();
      return;
    }
    await adopt(core, conn);
    // Lost again while catching up: lose() has already started the next round.
    if (core.current !== conn) return;
    core.reconnects++;
    core.relistenMs = Date.now() - core.disconnectedAt;
    core.deps.event({ type: 'connected' });
    core.deps.event({ type: 'resubscribed', channels: core.deps.names.size, ms: core.relistenMs });
    return;
  }
}

/** Starts the `SELECT 1` heartbeat: a missed or failed one loses the connection. */
export function beat(core: SessionCore): void {
  let beating = false;
  core.heartbeat = setInterval(() => {
    const conn = core.current;
    if (!conn || beating || core.state !== ConnectionState.Connected) return;
    beating = true;
    const sent = Date.now();
    conn.l
      .query('SELECT 1', core.o.heartbeatTimeoutMs)
      .then(() => {
        if (core.current === conn) core.lastAlive = sent;
      })
      .catch((cause: unknown) => {
        if (core.current === conn) lose(core, `heartbeat failed: ${describe(cause)}`);
      })
      .finally(() => {
        beating = false;
      });
  }, core.o.heartbeatMs);
  core.heartbeat.unref();
}
