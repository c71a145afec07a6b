/**
 * The connection health of the NATS transport: the round-trip heartbeat (silence past the timeout
 * forces a reconnect), and nats.js's status stream turned into the bus's `disconnected`,
 * `reconnecting`, `connected` and `resubscribed` events (the resubscription confirmed by a round
 * trip). docs/transports/nats.md, "Connection loss, heartbeat and gaps".
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { watchSilence } from '../silence.js';
import { ConnectionState } from '../transport.js';
import { type NatsState, setState } from './state.js';

/** One PING round trip at a time; silence past the timeout forces a reconnect. */
export function beat(s: NatsState, conn: NatsConnection): void {
  if (s.beating || s.state !== ConnectionState.Connected || s.nc !== conn) return;
  s.beating = true;
  const sent = Date.now();
  const watch = watchSilence(
    s.config.heartbeatTimeoutMs,
    sent,
    () => s.heard,
    () => {
      if (s.nc === conn && s.state === ConnectionState.Connected) {
        conn.reconnect().catch(() => {});
      }
    },
  );
  conn.flush().then(
    () => {
      s.heard = Date.now();
      s.lastGood = sent;
      s.beating = false;
      watch.cancel();
    },
    () => {
      s.beating = false;
      watch.cancel();
    },
  );
}

/** The connection is lost: Reconnecting from Connected, and `disconnected` for the bus. */
function down(s: NatsState, reason: string): void {
  if (s.state === ConnectionState.Connected) {
    setState(s, ConnectionState.Reconnecting);
    s.downAt = Date.now();
    s.attempt = 0;
  }
  if (s.state === ConnectionState.Reconnecting) {
    s.sink?.event({ type: 'disconnected', reason, since: s.lastGood });
  }
}

/** Back after a reconnect: resubscribed by nats.js, confirmed by one round trip. */
async function back(s: NatsState, conn: NatsConnection): Promise<void> {
  const sent = Date.now();
  try {
    await conn.flush();
  } catch {
    return; // down again: the next reconnect confirms
  }
  if (s.nc !== conn || s.state !== ConnectionState.Reconnecting) return;
  s.heard = Date.now();
  s.lastGood = sent;
  setState(s, ConnectionState.Connected);
  const ms = Date.now() - (s.downAt ?? Date.now());
  s.downAt = undefined;
  s.sink?.event({ type: 'connected' });
  s.sink?.event({ type: 'resubscribed', channels: s.subs.size, ms });
}

/** Follows `conn`'s status until it is no longer the transport's connection. */
export async function watchStatus(s: NatsState, conn: NatsConnection): Promise<void> {
  for await (const status of conn.status()) {
    if (s.nc !== conn) return;
    if (status.type === 'disconnect') down(s, `connection to ${status.server} lost`);
    else if (status.type === 'staleConnection') down(s, 'the server stopped answering (stale)');
    else if (status.type === 'reconnecting' && s.state === ConnectionState.Reconnecting) {
      s.attempt++;
      s.sink?.event({
        type: 'reconnecting',
        attempt: s.attempt,
        delayMs: s.config.reconnectWaitMs,
      });
    } else if (status.type === 'reconnect') void back(s, conn);
  }
}
