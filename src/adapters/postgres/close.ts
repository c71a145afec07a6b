/**
 * Closing a transport (stop the session, end an owned pool, forget every subscription) and
 * describing it (`status()`).
 */
import { ConnectionState, type TransportStatus } from '../transport.js';
import { withDeadline } from './sql.js';
import { type PgState, stateOf } from './transport-state.js';

/** Closes `s`; calls while it closes share one promise. */
export function closeTransport(s: PgState): Promise<void> {
  s.closing ??= (async () => {
    const ending = s.session;
    const owned = s.o.pool ? undefined : s.pool;
    s.session = undefined;
    s.pool = undefined;
    s.claims = undefined;
    if (s.notifier) s.notifyStatements += s.notifier.statements;
    s.notifier = undefined;
    clearInterval(s.sweeper);
    s.names.clear();
    s.templates.clear();
    s.idleState = ConnectionState.Closed;
    s.idleSince = Date.now();
    await ending?.stop();
    if (owned) await withDeadline(owned.end(), 2000, 'pool end').catch(() => undefined);
  })();
  return s.closing;
}

/** The transport's status; `pendingFetches` is the receiver's queue behind a claim fetch. */
export function statusOf(s: PgState, pendingFetches: number): TransportStatus {
  const { o, session, notifier } = s;
  return {
    name: 'postgres',
    state: stateOf(s),
    since: session?.since ?? s.idleSince,
    channels: s.names.size,
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
      ...s.counts,
      notifyStatements: s.notifyStatements + (notifier?.statements ?? 0),
      notifyWaiting: notifier?.waiting ?? 0,
      pendingFetches,
    },
  };
}
