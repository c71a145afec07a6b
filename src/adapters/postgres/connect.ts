/**
 * Connecting a transport: its pool (yours, or one it owns), the LISTEN session (session.ts),
 * the claim store, the notifier and the claim sweeper. A first connection that fails undoes all
 * of it and rejects within `connectTimeoutMs`.
 */
import type pg from 'pg';
import { ErrorCode } from '../../errors.js';
import type { TransportSink } from '../transport.js';
import { startSweeper } from './claim-fetch.js';
import { type ClaimStore, createClaimStore } from './claims.js';
import { pgModule } from './driver.js';
import { createNotifier } from './notifier.js';
import { createSession, type Session } from './session.js';
import { describe } from './sql.js';
import { fail, type PgState, stateOf } from './transport-state.js';

/** Payload bytes one shared NOTIFY statement carries at most. */
const STATEMENT_BYTES = 256 * 1024;

/** The pool Herald creates when it was given none. */
function ownPool(s: PgState): pg.Pool {
  const { poolConfig, connectTimeoutMs } = s.o;
  const owned = new (pgModule().Pool)({
    ...poolConfig,
    connectionTimeoutMillis: poolConfig.connectionTimeoutMillis ?? connectTimeoutMs,
  });
  // An owned pool's idle clients report server restarts here; the listener handles them.
  owned.on('error', () => undefined);
  return owned;
}

/** Sets up the connected parts of `s` on `pool` (nothing is sent yet). */
function attach(
  s: PgState,
  pool: pg.Pool,
  received: (serverChannel: string, payload: string) => void,
): { session: Session; store: ClaimStore } {
  const { o } = s;
  const session = createSession({
    options: o,
    pool,
    probe: s.probe,
    names: s.names,
    notification: received,
    event: (event) => s.sink?.event(event),
  });
  s.session = session;
  s.pool = pool;
  const store = createClaimStore(pool, o.table, s.instance, o.ttlMs);
  s.claims = store;
  s.notifier = createNotifier(pool, {
    maxPerQuery: o.maxNotifiesPerQuery,
    maxBytes: STATEMENT_BYTES,
    timeoutMs: o.publishTimeoutMs,
    sendLarge: (name, data, ms) => store.publish(name, data, ms),
  });
  return { session, store };
}

/** Connects `s`, reporting to `sink`; rejects with a ConnectFailed TransportError. */
export async function connectTransport(
  s: PgState,
  sink: TransportSink,
  received: (serverChannel: string, payload: string) => void,
): Promise<void> {
  if (s.closing) await s.closing;
  if (s.session) throw fail(s, ErrorCode.ConnectFailed, `connect() while ${stateOf(s)}`);
  s.closing = undefined;
  s.sink = sink;
  const owned = s.o.pool ? undefined : ownPool(s);
  const { session, store } = attach(s, (owned ?? s.o.pool) as pg.Pool, received);
  try {
    await session.start();
  } catch (cause) {
    s.session = undefined;
    s.pool = undefined;
    s.claims = undefined;
    s.notifier = undefined;
    await session.stop();
    // Not awaited: connect() must reject within connectTimeoutMs, even if the pool dawdles.
    owned?.end().catch(() => undefined);
    const { host, port, database } = s.o;
    throw fail(
      s,
      ErrorCode.ConnectFailed,
      `cannot connect to ${host}:${port}/${database}: ${describe(cause)}`,
      cause,
    );
  }
  s.sweeper = startSweeper(store, s.o.sweepMs, s.o.publishTimeoutMs, () => stateOf(s));
  sink.event({ type: 'connected' });
}
