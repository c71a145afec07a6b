/**
 * Private servers for the reliability scenarios, started at the top level of a test file on free
 * loopback ports (never the shared 6379 / 5432) and stopped after it. When one cannot start, the
 * file skips loudly, except with `CI=true`, where it fails (DESIGN.md, "Conventions").
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type PostgresServer, startPostgresServer } from '../support/postgres-server.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { inCI } from '../support/services.js';

/** A private Redis with its log file. */
export interface PrivateRedis {
  readonly server: RedisServer;
  /** The server's log so far. */
  log(): string;
}

function unavailable(what: string, error: unknown): undefined {
  const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (inCI()) throw new Error(`CI=true: the reliability suite needs ${what}: ${reason}`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPING reliability scenario: no ${what} (${reason})\n${bar}\n`);
  return undefined;
}

/** Starts a private `redis-server` with `args`, logging to a temp file; undefined when it cannot. */
export async function privateRedis(
  args: readonly string[] = [],
): Promise<PrivateRedis | undefined> {
  const logDir = mkdtempSync(join(tmpdir(), 'herald-rel-log-'));
  const logFile = join(logDir, 'redis.log');
  try {
    const server = await startRedisServer({ args: ['--logfile', logFile, ...args] });
    afterAll(async () => {
      await server.stop();
      rmSync(logDir, { recursive: true, force: true });
    });
    return {
      server,
      log: () => {
        try {
          return readFileSync(logFile, 'utf8');
        } catch {
          return '';
        }
      },
    };
  } catch (error) {
    rmSync(logDir, { recursive: true, force: true });
    return unavailable('private redis-server', error);
  }
}

/** Starts a private PostgreSQL cluster; undefined when it cannot. */
export async function privatePostgres(): Promise<PostgresServer | undefined> {
  try {
    const server = await startPostgresServer({ settings: { max_connections: 50 } });
    afterAll(() => server.stop());
    return server;
  } catch (error) {
    return unavailable('private PostgreSQL cluster', error);
  }
}

/** A channel prefix unique to this run, so nothing else on the server is ever seen. */
export const runPrefix = (): string => `herald-rel-${randomBytes(4).toString('hex')}:`;

/** A PostgreSQL channel prefix unique to this run (letters, digits and `_` only). */
export const pgPrefix = (): string => `hrel_${randomBytes(4).toString('hex')}`;
