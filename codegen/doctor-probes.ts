/**
 * Transports probed with their own clients (ioredis, pg), at the addresses the transports
 * resolve (the same resolveOptions functions, so the same REDIS_URL / DATABASE_URL rules): one
 * connection each, a few round trips, the server version and the server clock, then closed.
 */
import { message, TIMEOUT_MS, timed } from './doctor-line.js';

/** A transport to probe, and whether the user configured it explicitly. */
export interface TransportTarget {
  readonly name: 'redis' | 'postgres';
  /** A URL from a flag or the environment, or `--transport` naming it: a failure then fails. */
  readonly configured: boolean;
  readonly url: string | undefined;
  readonly prefix?: string | undefined;
}

/** What a transport probe measured. */
export interface Probe {
  readonly where: string;
  readonly version: string;
  /** Best of three round trips, ms. */
  readonly rttMs: number;
  /** Server clock minus the local clock at the middle of the round trip, ms. */
  readonly skewMs: number;
  /** Half the round trip of the clock query: the skew's uncertainty, ms. */
  readonly skewErrorMs: number;
}

async function bestOf3(run: () => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Server clock (ms since the epoch) read by `query`, against the local clock. */
async function clockSkew(query: () => Promise<number>): Promise<{ skew: number; error: number }> {
  const t0 = Date.now();
  const p0 = performance.now();
  const server = await query();
  const half = (performance.now() - p0) / 2;
  return { skew: server - (t0 + half), error: half };
}

/** Probes Redis (or Valkey): PING, INFO server, TIME. */
export async function probeRedis(target: TransportTarget): Promise<Probe> {
  // Imported here: the CLI loads without the transports' clients installed.
  const { resolveOptions } = await import('../src/adapters/redis/options.js');
  const options = resolveOptions(target.url === undefined ? {} : { url: target.url });
  const node = options.nodes[0]!;
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...options.base,
    host: node.host,
    port: node.port,
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with "Connection is closed."; the socket's own error says why.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await timed(client.connect(), `Redis at ${options.display}`).catch((error: unknown) => {
      throw new Error(`${options.display}: ${message(socketError ?? error)}`);
    });
    const rttMs = await bestOf3(() => timed(client.ping(), 'PING'));
    const info = await timed(client.info('server'), 'INFO');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
    const valkey = /valkey_version:([^\r\n]+)/.exec(info)?.[1];
    const { skew, error } = await clockSkew(async () => {
      const [s, us] = await timed(client.time(), 'TIME');
      return Number(s) * 1000 + Number(us) / 1000;
    });
    return {
      where: options.display,
      version: valkey === undefined ? `Redis ${version}` : `Valkey ${valkey}`,
      rttMs,
      skewMs: skew,
      skewErrorMs: error,
    };
  } finally {
    client.disconnect();
  }
}

/** Probes PostgreSQL: SELECT 1, server_version, clock_timestamp(). */
export async function probePostgres(target: TransportTarget): Promise<Probe> {
  const { resolveOptions } = await import('../src/adapters/postgres/options.js');
  const options = resolveOptions(target.url === undefined ? {} : { connectionString: target.url });
  const pg = (await import('pg')).default;
  const client = new pg.Client({ ...options.client, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined);
  const where = `postgres://${options.host}:${options.port}/${options.database}`;
  try {
    await timed(client.connect(), `PostgreSQL at ${where}`).catch((error: unknown) => {
      throw new Error(`${where}: ${message(error)}`);
    });
    const rttMs = await bestOf3(() => timed(client.query('SELECT 1'), 'SELECT 1'));
    const version = (await timed(client.query('SHOW server_version'), 'SHOW server_version'))
      .rows[0] as { server_version: string };
    const { skew, error } = await clockSkew(async () => {
      const result = await timed(
        client.query('SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS ms'),
        'clock_timestamp()',
      );
      return Number((result.rows[0] as { ms: number }).ms);
    });
    return {
      where,
      version: `PostgreSQL ${version.server_version}`,
      rttMs,
      skewMs: skew,
      skewErrorMs: error,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
