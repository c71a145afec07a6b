/**
 * The two round trips of a session on a listener: bringing its LISTENs in line with the
 * subscribed names (serialized, diffed when it runs), and confirming a connection with a NOTIFY
 * on the private probe channel, sent through the pool and awaited on the listener.
 */
import { randomBytes } from 'node:crypto';
import { quoteIdent } from './channels.js';
import type { Conn, SessionCore } from './session-state.js';
import { poolQuery, withDeadline } from './sql.js';

/** Brings the LISTENs of `conn` in line with `names`; serialized, diffed when it runs. */
export function syncOn(core: SessionCore, conn: Conn): Promise<void> {
  const { names } = core.deps;
  const run = async (): Promise<void> => {
    const add = [...names.keys()].filter((n) => !conn.listened.has(n));
    const drop = [...conn.listened].filter((n) => !names.has(n));
    if (add.length === 0 && drop.length === 0) return;
    const sql = [
      ...add.map((n) => `LISTEN ${quoteIdent(n)}`),
      ...drop.map((n) => `UNLISTEN ${quoteIdent(n)}`),
    ].join('; ');
    await conn.l.query(sql, core.o.connectTimeoutMs);
    for (const n of add) conn.listened.add(n);
    for (const n of drop) conn.listened.delete(n);
  };
  const next = core.chain.then(run, run);
  core.chain = next.catch(() => undefined);
  return next;
}

/**
 * NOTIFYs a token on the probe channel through the pool and waits for it on the listener;
 * returns when the token was sent.
 */
export async function confirm(core: SessionCore, ms: number): Promise<number> {
  const { pool, probe } = core.deps;
  const token = randomBytes(8).toString('hex');
  const arrived = new Promise<void>((resolve) => core.probes.set(token, resolve));
  const sent = Date.now();
  try {
    await poolQuery(pool, 'SELECT pg_notify($1, $2)', [probe, token], ms);
    await withDeadline(arrived, ms, 'probe round trip');
    return sent;
  } finally {
    core.probes.delete(token);
  }
}
