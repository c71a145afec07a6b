/**
 * The heartbeat of one connection (`connection.ts` says why it is shaped so): a PING every
 * `heartbeatMs`; a connection that stays silent (no PONG and no other byte) for
 * `heartbeatTimeoutMs`, or whose handshake takes longer, has its socket destroyed, and ioredis
 * reconnects it. The state lives in one object the connection owns.
 */
import type { Redis } from 'ioredis';
import { watchSilence } from '../silence.js';

/** What the heartbeat knows about its connection. */
export interface HeartbeatState {
  readonly redis: Redis;
  readonly timeoutMs: number;
  /** When the last answered PING was sent. */
  lastGood: number;
  /** Our own reason for the last close, reported once. */
  killReason: string | undefined;
  lastError: string | undefined;
  /** When the current handshake began (undefined once ready or closed). */
  handshakeSince: number | undefined;
  pinging: boolean;
  /** When bytes last arrived on the current socket. */
  heard: number;
}

const isPong = (reply: unknown): boolean =>
  reply === 'PONG' || (Array.isArray(reply) && String(reply[0]).toLowerCase() === 'pong');

/** Destroys the socket (ioredis then reconnects); the first reason is kept. */
export function kill(c: HeartbeatState, reason: string): void {
  const stream = c.redis.stream;
  if (!stream || stream.destroyed) return;
  c.killReason ??= reason;
  stream.destroy();
}

/** Follows the connection's events: errors, handshake start and end, bytes heard. */
export function listen(c: HeartbeatState): void {
  const { redis } = c;
  const hear = (): void => {
    c.heard = Date.now();
  };
  redis.on('error', (error: Error) => {
    c.lastError = error.message;
    // ioredis got a reply it did not expect (e.g. a server-initiated SUNSUBSCRIBE after a slot
    // migration): its command queue is out of step, so start over on a fresh connection.
    if (error.message.includes('Command queue state error')) kill(c, 'protocol out of step');
  });
  redis.on('connect', () => {
    c.handshakeSince = Date.now();
    c.heard = Date.now();
    redis.stream?.on('data', hear);
  });
  redis.on('ready', () => {
    c.handshakeSince = undefined;
    c.lastGood = Date.now();
  });
  redis.on('close', () => (c.handshakeSince = undefined));
}

/** One heartbeat: a handshake past its deadline is killed; a ready connection is PINGed. */
export function beat(c: HeartbeatState): void {
  const { redis, timeoutMs } = c;
  const now = Date.now();
  if (redis.status === 'connect' && c.handshakeSince !== undefined) {
    if (now - c.handshakeSince > timeoutMs) {
      kill(c, `handshake timeout: no reply within ${timeoutMs} ms`);
    }
    return;
  }
  if (redis.status !== 'ready' || c.pinging) return;
  c.pinging = true;
  const stream = redis.stream;
  const watch = watchSilence(
    timeoutMs,
    now,
    () => c.heard,
    () => {
      if (redis.stream === stream) {
        kill(c, `heartbeat timeout: no PONG, and no other byte, within ${timeoutMs} ms`);
      }
    },
  );
  redis.ping().then(
    (reply) => {
      watch.cancel();
      c.pinging = false;
      if (isPong(reply)) c.lastGood = now;
      else kill(c, 'unexpected reply to PING');
    },
    () => {
      watch.cancel();
      c.pinging = false;
    },
  );
}
