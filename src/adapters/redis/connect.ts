/**
 * The transport's connect step: a router for the configured mode, every link connected within
 * `connectTimeoutMs` (else CONNECT_FAILED naming each server's last error, and nothing left
 * open), then `connected`.
 */
import { ErrorCode } from '../../errors.js';
import { ConnectionState, type TransportSink } from '../transport.js';
import { routerHooks } from './events.js';
import { createRouter, type Router } from './router.js';
import { fail, message, type RedisState, setState } from './transport-state.js';

/** Rejects after `ms` with the links' last errors; `stop` clears the timer. */
function deadline(r: Router, ms: number): { promise: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const errors = r.links().flatMap((l) => (l.lastError ? [`${l.key}: ${l.lastError}`] : []));
      const why = errors.length > 0 ? ` (${errors.join('; ')})` : '';
      reject(new Error(`not connected within ${ms} ms${why}`));
    }, ms);
  });
  return { promise, stop: () => clearTimeout(timer) };
}

export async function connect(s: RedisState, next: TransportSink): Promise<void> {
  if (s.state !== ConnectionState.Idle && s.state !== ConnectionState.Closed) {
    throw fail(s, ErrorCode.ConnectFailed, `connect() while ${s.state}`);
  }
  s.sink = next;
  setState(s, ConnectionState.Connecting);
  const r = createRouter(s.config, s.token, routerHooks(s));
  s.router = r;
  const timeout = deadline(r, s.config.connectTimeoutMs);
  try {
    await Promise.race([r.start(), timeout.promise]);
  } catch (error) {
    if (s.router === r) {
      s.router = undefined;
      setState(s, ConnectionState.Idle);
    }
    await r.close().catch(() => {});
    throw fail(s, ErrorCode.ConnectFailed, `cannot connect: ${message(error)}`, error);
  } finally {
    timeout.stop();
  }
  if (s.router !== r) throw fail(s, ErrorCode.ConnectFailed, 'closed while connecting');
  setState(s, ConnectionState.Connected);
  next.event({ type: 'connected' });
}
