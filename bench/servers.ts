/**
 * The servers the network scenarios use: the machine's Redis and PostgreSQL, on loopback only.
 * A bench is not a test: when a server is unreachable its scenarios are skipped with a note.
 */
import { connect } from 'node:net';
import pg from 'pg';

/** Redis on loopback. */
export const REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** PostgreSQL on loopback (trust auth). Generous connect timeout: a busy 2-core box is slow to fork backends. */
export const POSTGRES: pg.ClientConfig = {
  host: '127.0.0.1',
  port: 5432,
  user: 'postgres',
  database: 'test',
  connectionTimeoutMillis: 10_000,
};

/** A pool of `max` connections on {@link POSTGRES}, never closing idle ones (no reconnects mid-run). */
export function postgresPool(max: number): pg.Pool {
  return new pg.Pool({ ...POSTGRES, max, idleTimeoutMillis: 0 });
}

/** Opens every connection of a pool before timing starts. */
export async function warmPool(pool: pg.Pool, max: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: max }, () => pool.connect()));
  for (const client of clients) client.release();
}

/** Undefined when a TCP connection to host:port opens within `ms`, else why not. */
export function tcpUnreachable(host: string, port: number, ms = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(ms, () => done(`no answer from ${host}:${port} within ${ms} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(`${host}:${port} unreachable (${error.message})`));
  });
}

/** Undefined when Redis answers on loopback, else why not. */
export async function redisUnavailable(): Promise<string | undefined> {
  const reason = await tcpUnreachable(REDIS.host, REDIS.port);
  return reason && `Redis ${reason}; start redis-server to run this scenario`;
}

/** Undefined when PostgreSQL accepts a query on loopback, else why not. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database} unavailable (${error instanceof Error ? error.message : String(error)}); start it to run this scenario`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** NATS on loopback. */
export const NATS_URL = 'nats://127.0.0.1:4222';

/** Undefined when NATS answers on loopback, else why not. */
export async function natsUnavailable(): Promise<string | undefined> {
  const reason = await tcpUnreachable('127.0.0.1', 4222);
  return reason && `NATS ${reason}; start nats-server -js to run this scenario`;
}
