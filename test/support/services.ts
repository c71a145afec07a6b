/**
 * How integration tests find Redis and PostgreSQL (DESIGN.md, "Conventions"):
 *
 * 1. `REDIS_URL` / `DATABASE_URL` when set (and nothing else: a wrong explicit URL is an error);
 * 2. else the machine's services on the standard loopback ports
 *    (`redis://127.0.0.1:6379`, `postgres://postgres@127.0.0.1:5432/test`);
 * 3. else a private server started from the binaries on the machine (stopped after the file);
 * 4. else, outside CI only, the tests skip, loudly naming what is missing. With `CI=true` the
 *    check throws, so the test file fails instead of skipping.
 *
 * Usage, at the top level of a test file (vitest allows top-level await):
 *
 * ```ts
 * const redis = await requireRedis();
 * describe.skipIf(!redis.ok)('redis transport', () => { ... redis.url ... });
 * ```
 */
import pg from 'pg';
import { afterAll } from 'vitest';
import { pingRedis, startRedisServer } from './redis-server.js';

/** Default Redis URL when `REDIS_URL` is not set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Default PostgreSQL URL when `DATABASE_URL` is not set. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Where a reachable service came from. */
export type ServiceSource = 'env' | 'default' | 'private';

/** The outcome of `requireRedis()` / `requirePostgres()`. */
export type ServiceCheck =
  | {
      readonly ok: true;
      readonly url: string;
      readonly source: ServiceSource;
      /** Stops the private server early (it is stopped after the test file anyway). */
      readonly stop?: () => Promise<void>;
    }
  | { readonly ok: false; readonly url: string; readonly reason: string };

/** True when running in CI (`CI=true` or `CI=1`): unreachable services fail instead of skipping. */
export const inCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** The Redis URL tests use: `REDIS_URL`, else the machine's loopback server. */
export const redisUrl = (): string => process.env.REDIS_URL || DEFAULT_REDIS_URL;

/** The PostgreSQL URL tests use: `DATABASE_URL`, else the machine's loopback server. */
export const databaseUrl = (): string => process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

function redisPort(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'redis:') return undefined;
    return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
  } catch {
    return undefined;
  }
}

async function pingRedisUrl(url: string, timeoutMs: number): Promise<string | undefined> {
  const target = redisPort(url);
  // Plain loopback redis:// without auth: a raw PING. Anything else: ioredis.
  if (target && target.host === '127.0.0.1' && !new URL(url).password) {
    return (await pingRedis(target.port, timeoutMs)) ? undefined : 'no PONG';
  }
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const reply = await client.ping();
    return reply === 'PONG' ? undefined : `PING answered ${reply}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}

async function selectOne(url: string, timeoutMs: number): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    return rows[0]?.one === 1 ? undefined : 'SELECT 1 returned no row';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function unavailable(service: string, url: string, reason: string, fix: string): ServiceCheck {
  const message = `${service} is not reachable at ${url}: ${reason}. ${fix}`;
  if (inCI()) throw new Error(`CI=true, so this test fails instead of skipping: ${message}`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPING ${service} tests: ${message}\n${bar}\n`);
  return { ok: false, url, reason };
}

/** Stops a private server after the test file; outside collection, the exit hooks clean up. */
function stopAfterFile(stop: () => Promise<void>): void {
  try {
    afterAll(stop);
  } catch {
    // Not called at a test file's top level: the servers' process exit hooks stop it.
  }
}

const cache = new Map<string, Promise<ServiceCheck>>();

/**
 * Checks one Redis URL (1.5 s PING timeout). When it does not answer and was not given
 * explicitly, starts a private `redis-server` instead. With `CI=true`, throws when nothing works.
 */
export async function checkRedis(url: string, explicit: boolean): Promise<ServiceCheck> {
  const problem = await pingRedisUrl(url, 1500);
  if (!problem) return { ok: true, url, source: explicit ? 'env' : 'default' };
  if (explicit) return unavailable('Redis', url, problem, 'Fix REDIS_URL or unset it.');
  try {
    const server = await startRedisServer();
    stopAfterFile(() => server.stop());
    console.warn(`[services] Redis: ${url} did not answer; using private ${server.url}`);
    return { ok: true, url: server.url, source: 'private', stop: () => server.stop() };
  } catch (error) {
    return unavailable(
      'Redis',
      url,
      `${problem}; a private redis-server could not start either (${firstLine(error)})`,
      'Start Redis on 127.0.0.1:6379, set REDIS_URL, or install redis-server.',
    );
  }
}

/**
 * Checks one PostgreSQL URL (3 s `SELECT 1` timeout). When it does not answer and was not given
 * explicitly, starts a private cluster instead. With `CI=true`, throws when nothing works.
 */
export async function checkPostgres(url: string, explicit: boolean): Promise<ServiceCheck> {
  const problem = await selectOne(url, 3000);
  if (!problem) return { ok: true, url, source: explicit ? 'env' : 'default' };
  if (explicit) return unavailable('PostgreSQL', url, problem, 'Fix DATABASE_URL or unset it.');
  try {
    const { startPostgresServer } = await import('./postgres-server.js');
    const server = await startPostgresServer();
    stopAfterFile(() => server.stop());
    console.warn(`[services] PostgreSQL: ${url} did not answer; using private ${server.url}`);
    return { ok: true, url: server.url, source: 'private', stop: () => server.stop() };
  } catch (error) {
    return unavailable(
      'PostgreSQL',
      url,
      `${problem}; a private cluster could not start either (${firstLine(error)})`,
      'Start PostgreSQL on 127.0.0.1:5432 (database "test"), set DATABASE_URL, or install the server binaries.',
    );
  }
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

/**
 * Redis for this test file: `REDIS_URL`, else 127.0.0.1:6379, else a private server; skips
 * (loudly) when none works, or throws with `CI=true`. Call it at the top level of a test file.
 */
export function requireRedis(): Promise<ServiceCheck> {
  let check = cache.get('redis');
  if (!check) {
    check = checkRedis(redisUrl(), Boolean(process.env.REDIS_URL));
    cache.set('redis', check);
  }
  return check;
}

/**
 * PostgreSQL for this test file: `DATABASE_URL`, else 127.0.0.1:5432/test, else a private
 * cluster; skips (loudly) when none works, or throws with `CI=true`. Call it at the top level.
 */
export function requirePostgres(): Promise<ServiceCheck> {
  let check = cache.get('postgres');
  if (!check) {
    check = checkPostgres(databaseUrl(), Boolean(process.env.DATABASE_URL));
    cache.set('postgres', check);
  }
  return check;
}
