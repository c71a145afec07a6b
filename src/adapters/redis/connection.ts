/**
 * One ioredis connection as the Redis transport needs it: no offline queue, no automatic resend
 * and no automatic resubscribe (the link resubscribes itself and confirms it), reconnects forever
 * with a capped back-off, and a PING heartbeat that destroys the socket of a connection that
 * went SILENT (half-open), instead of waiting for the OS keepalive.
 *
 * Silent, not slow: a PONG queues behind every message the server sent before it, and a
 * subscriber slower than the stream can have seconds of them in front of it. Destroying that
 * connection would lose everything it had not read (the server's own output-buffer limit is
 * what cuts a subscriber that falls too far behind, and the link reports it as a gap). So the
 * PING's deadline restarts with every byte received, and before it is declared missed the event
 * loop gets one pass to read what the socket already holds (a `setImmediate` after the timer
 * runs after the poll phase): a busy event loop is not a silent server.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { ioredis } from './driver.js';
import { beat, type HeartbeatState, kill, listen } from './heartbeat.js';
import type { RedisNode, ResolvedRedisOptions } from './options.js';

/** What a connection is for. */
export type Role = 'publisher' | 'subscriber';

/** An ioredis client with its heartbeat. */
export interface Connection {
  readonly redis: Redis;
  readonly role: Role;
  /** When the last answered PING was sent: the connection worked at least until then. */
  readonly lastGood: number;
  /** The last error ioredis reported (e.g. `WRONGPASS ...`, `connect ECONNREFUSED ...`). */
  readonly lastError: string | undefined;
  /** Why the connection last closed (our own kill reason, or the last socket error). */
  takeReason(): string;
  /** Destroys the socket (ioredis then reconnects); `reason` is reported by `takeReason`. */
  kill(reason: string): void;
  /** Starts the heartbeat. */
  startHeartbeat(): void;
  /** Stops the heartbeat and closes the connection for good. */
  close(): Promise<void>;
}

/** Back-off of reconnect attempt `n` (1-based): 50, 100, 200, ... ms, capped. */
export const reconnectDelay = (attempt: number, maxMs: number): number =>
  Math.min(maxMs, 25 * 2 ** Math.min(attempt, 16));

/** The options ioredis gets, whatever the user's: see the module doc. */
function forcedOptions(config: ResolvedRedisOptions, role: Role): RedisOptions {
  return {
    lazyConnect: true,
    // Publishes must reject while down (or be held by the transport's own bounded buffer).
    enableOfflineQueue: false,
    // In-flight commands reject when the socket closes (never hang, never resend twice).
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The link resubscribes and confirms with a round trip; ioredis would only assume it.
    autoResubscribe: false,
    enableReadyCheck: true,
    connectTimeout: config.connectTimeoutMs,
    connectionName: `${config.base.connectionName ?? 'herald'}-${role === 'publisher' ? 'pub' : 'sub'}`,
    retryStrategy: (attempt: number) => reconnectDelay(attempt, config.maxReconnectDelayMs),
  };
}

/** Opens (lazily) a connection to `node`; call `redis.connect()` to start it. */
export function openConnection(
  config: ResolvedRedisOptions,
  node: RedisNode,
  role: Role,
): Connection {
  const forced = forcedOptions(config, role);
  const redis = config.client
    ? // RedisClient is the structural public type of an ioredis client.
      (config.client.duplicate(forced) as Redis)
    : new (ioredis().Redis)({ ...config.base, host: node.host, port: node.port, ...forced });
  const c: HeartbeatState = {
    redis,
    timeoutMs: config.heartbeatTimeoutMs,
    lastGood: Date.now(),
    killReason: undefined,
    lastError: undefined,
    handshakeSince: undefined,
    pinging: false,
    heard: Date.now(),
  };
  listen(c);
  let interval: NodeJS.Timeout | undefined;
  return {
    redis,
    role,
    get lastGood() {
      return c.lastGood;
    },
    get lastError() {
      return c.lastError;
    },
    takeReason() {
      const reason = c.killReason ?? c.lastError ?? 'connection closed';
      c.killReason = undefined;
      c.lastError = undefined;
      return reason;
    },
    kill: (reason) => kill(c, reason),
    startHeartbeat() {
      interval ??= setInterval(() => beat(c), config.heartbeatMs);
      interval.unref();
    },
    async close() {
      clearInterval(interval);
      interval = undefined;
      if (redis.status === 'ready') {
        await Promise.race([
          redis.quit().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 500).unref()),
        ]);
      }
      redis.disconnect(false);
    },
  };
}
