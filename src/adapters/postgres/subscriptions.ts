/**
 * LISTEN and UNLISTEN: a subscribed channel's server name joins `names`, and the session brings
 * the listener's LISTENs in line with it (session.ts). A template is a channel of its own, the
 * mirror publishers send a wildcard topic's messages to.
 */
import { ErrorCode } from '../../errors.js';
import { templateChannel } from '../transport.js';
import { describe } from './sql.js';
import {
  connectionLost,
  fail,
  isLive,
  notConnected,
  type PgState,
  serverName,
} from './transport-state.js';

/** LISTENs on `channel`; a lost connection resolves (the reconnect LISTENs it), a refusal rejects. */
export async function listenOn(s: PgState, channel: string): Promise<void> {
  const { session } = s;
  if (!session || !isLive(s)) throw notConnected(s, 'subscribe');
  const name = serverName(s, channel);
  s.names.set(name, channel);
  try {
    // While reconnecting this returns at once: the next connection LISTENs every name.
    await session.sync();
  } catch (cause) {
    // A lost connection is retried (and reported as a gap); a refusal is an error.
    if (connectionLost(cause)) return;
    s.names.delete(name);
    throw fail(
      s,
      ErrorCode.PublishFailed,
      `LISTEN for "${channel}" failed: ${describe(cause)}`,
      cause,
    );
  }
}

/** UNLISTENs `channel` if it was subscribed. */
export async function unlistenOn(s: PgState, channel: string): Promise<void> {
  if (!s.names.delete(serverName(s, channel))) return;
  await s.session?.sync().catch(() => undefined);
}

/** LISTENs on the channel of `template`; its messages then carry the template. */
export async function listenTemplate(s: PgState, template: string): Promise<void> {
  const channel = templateChannel(template);
  s.templates.set(channel, template);
  await listenOn(s, channel).catch((error: unknown) => {
    s.templates.delete(channel);
    throw error;
  });
}

/** UNLISTENs the channel of `template`. */
export async function unlistenTemplate(s: PgState, template: string): Promise<void> {
  const channel = templateChannel(template);
  s.templates.delete(channel);
  await unlistenOn(s, channel);
}
