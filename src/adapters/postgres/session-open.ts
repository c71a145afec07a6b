/**
 * One connection attempt of a session: connect, LISTEN the probe and every name, confirm by a
 * round trip, all within `connectTimeoutMs`. An attempt superseded (the session lost or stopped
 * meanwhile) destroys its connection, even one that opens late.
 */
import { quoteIdent } from './channels.js';
import { type ListenerHandlers, openListener } from './listener.js';
import type { Conn, SessionCore } from './session-state.js';
import { confirm, syncOn } from './session-sync.js';
import { withDeadline } from './sql.js';

/** The handlers of the listener of generation `gen`: silent once it is no longer current. */
function handlersFor(
  core: SessionCore,
  gen: number,
  lost: (reason: string) => void,
): ListenerHandlers {
  const { probe } = core.deps;
  return {
    notification(channel, payload) {
      if (gen !== core.generation) return;
      if (channel === probe) core.probes.get(payload)?.();
      else core.deps.notification(channel, payload);
    },
    lost(reason) {
      if (gen === core.generation) lost(reason);
    },
  };
}

/** One attempt; `lost` hears of the connection's loss once it is current. */
export async function open(core: SessionCore, lost: (reason: string) => void): Promise<Conn> {
  const gen = ++core.generation;
  const ms = core.o.connectTimeoutMs;
  let conn: Conn | undefined;
  const work = (async () => {
    const l = await openListener(core.o.client, ms, handlersFor(core, gen, lost));
    conn = { l, listened: new Set(), confirmedFrom: 0 };
    if (gen !== core.generation) throw new Error('superseded');
    await l.query(`LISTEN ${quoteIdent(core.deps.probe)}`, ms);
    await syncOn(core, conn);
    conn.confirmedFrom = await confirm(core, ms);
    return conn;
  })();
  try {
    const opened = await withDeadline(work, ms, 'connect');
    if (gen !== core.generation) throw new Error('superseded');
    return opened;
  } catch (cause) {
    if (gen === core.generation) core.generation++;
    conn?.l.destroy();
    work.then(
      (late) => late.l.destroy(),
      () => undefined,
    );
    throw cause;
  }
}
