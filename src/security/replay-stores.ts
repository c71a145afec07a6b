/**
 * Shared replay stores on Redis and PostgreSQL. Both take a client you already have (typed by
 * the one method they call, so Herald's core imports neither driver) and never close it.
 *
 * - Redis: `SET <prefix><key> 1 PX <ttl> NX`, one command per message; ioredis pipelines
 *   concurrent commands on its connection. Works on Redis Cluster (one key per command).
 * - PostgreSQL: claims made in the same event-loop turn go out as one statement,
 *   `INSERT … SELECT FROM unnest(…) ON CONFLICT (id) DO UPDATE … WHERE expired RETURNING id`,
 *   into a table created on first use; a periodic sweep deletes expired rows.
 */
import { ConfigError } from '../errors.js';
import type { PgClient } from '../postgres-client.js';
import { SQL_TABLE_PATTERN } from '../rules.js';
import type { ReplayStore } from './replay.js';

/** The one Redis command the store needs; an ioredis `Redis` or `Cluster` fits. */
export interface RedisSetClient {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
}

/** Options of {@link redisReplayStore}. */
export interface RedisReplayStoreOptions {
  /**
   * Prefix of every key. Use one per application (or tenant) sharing the server.
   * @default 'herald:replay:'
   */
  readonly prefix?: string;
}

/** A replay store on Redis: `SET key 1 PX ttl NX`. The client stays yours. */
export function redisReplayStore(
  client: RedisSetClient,
  options: RedisReplayStoreOptions = {},
): ReplayStore {
  const prefix = options.prefix ?? 'herald:replay:';
  if (typeof client?.set !== 'function') {
    throw new ConfigError('redisReplayStore needs a Redis client', {
      hint: 'pass an ioredis client: redisReplayStore(new Redis(url))',
    });
  }
  return {
    async claim(key, ttlMs) {
      return (
        (await client.set(prefix + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK'
      );
    },
  };
}

/** Options of {@link postgresReplayStore}. */
export interface PostgresReplayStoreOptions {
  /**
   * The table (`name` or `schema.name`), created if missing.
   * @default 'herald_replay'
   */
  readonly table?: string;
  /**
   * Interval of the sweep that deletes expired rows; 0 turns it off (sweep yourself).
   * @default 60000
   */
  readonly cleanupMs?: number;
}

/** A PostgreSQL replay store with its sweep. */
export interface PostgresReplayStore extends ReplayStore {
  /** Deletes expired rows now; returns how many. */
  sweep(): Promise<number>;
  /** Stops the periodic sweep. The pool stays yours. */
  close(): Promise<void>;
}

/** Rows one DELETE of the sweep removes. */
const SWEEP_BATCH = 5000;
/** Batches one sweep runs at most (1,000,000 rows); the next sweep continues. */
const MAX_SWEEP_BATCHES = 200;

interface Waiter {
  readonly key: string;
  readonly ttlMs: number;
  resolve(isNew: boolean): void;
  reject(error: unknown): void;
}

const serverCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/**
 * A replay store on PostgreSQL: `INSERT … ON CONFLICT` into a table with an expiry column,
 * batched per event-loop turn. The pool stays yours; call `close()` to stop the sweep.
 */
export function postgresReplayStore(
  pool: PgClient,
  options: PostgresReplayStoreOptions = {},
): PostgresReplayStore {
  const table = checkedTable(pool, options.table ?? 'herald_replay');
  const cleanupMs = options.cleanupMs ?? 60_000;
  const parts = table.split('.');
  const qualified = parts.map((p) => `"${p}"`).join('.');
  const index = `"${parts[parts.length - 1]}_expires_at_idx"`;
  let ensured: Promise<void> | undefined;
  let batch: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;

  const ensure = (): Promise<void> => {
    ensured ??= (async () => {
      for (const sql of [
        `CREATE TABLE IF NOT EXISTS ${qualified} (id text PRIMARY KEY, expires_at timestamptz NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${index} ON ${qualified} (expires_at)`,
      ]) {
        // Two processes creating the table at once can collide in the catalog: the other won.
        // 23505: a unique index of the catalog; 42P07: the relation exists; 42710: its row type
        // exists ("type ... already exists", PostgreSQL creates the type with the table).
        await pool.query(sql).catch((error: unknown) => {
          const code = serverCode(error);
          if (code !== '23505' && code !== '42P07' && code !== '42710') throw error;
        });
      }
    })();
    ensured.catch(() => {
      ensured = undefined;
    });
    return ensured;
  };

  const sweep = (): Promise<number> => sweepExpired(pool, qualified);

  return {
    claim(key, ttlMs) {
      if (timer === undefined && cleanupMs > 0) {
        timer = setInterval(() => void sweep().catch(() => undefined), cleanupMs).unref();
      }
      return new Promise<boolean>((resolve, reject) => {
        if (batch.length === 0) {
          setImmediate(() => {
            const waiters = batch;
            batch = [];
            void claimBatch(pool, qualified, ensure, waiters);
          });
        }
        batch.push({ key, ttlMs, resolve, reject });
      });
    },
    sweep,
    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** The table name, checked, and the pool, checked to be one: configuration errors throw here. */
function checkedTable(pool: PgClient, table: string): string {
  if (typeof table !== 'string' || !SQL_TABLE_PATTERN.test(table)) {
    throw new ConfigError(`postgresReplayStore: table "${String(table)}" is invalid`, {
      hint: 'use a table such as "herald_replay" or "myschema.herald_replay" (identifiers of up to 40 characters of [A-Za-z0-9_])',
    });
  }
  if (typeof pool?.query !== 'function') {
    throw new ConfigError('postgresReplayStore needs a pg pool or client', {
      hint: 'pass a pg.Pool: postgresReplayStore(new pg.Pool({ connectionString }))',
    });
  }
  return table;
}

/** Claims one turn's keys in one statement; each waiter learns whether its key was fresh. */
async function claimBatch(
  pool: PgClient,
  qualified: string,
  ensure: () => Promise<void>,
  waiters: Waiter[],
): Promise<void> {
  // One row per key: a key twice in one statement would make ON CONFLICT fail; the second
  // claim of a key in a batch is a replay of the first.
  const first = new Map<string, Waiter>();
  const repeats: Waiter[] = [];
  for (const w of waiters) {
    if (first.has(w.key)) repeats.push(w);
    else first.set(w.key, w);
  }
  try {
    await ensure();
    const keys = [...first.keys()];
    const ttls = [...first.values()].map((w) => Math.max(1, Math.ceil(w.ttlMs)));
    const result = await pool.query(
      `INSERT INTO ${qualified} AS t (id, expires_at)
         SELECT k, now() + ms * interval '1 millisecond' FROM unnest($1::text[], $2::float8[]) AS x(k, ms)
       ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE t.expires_at < now()
       RETURNING id`,
      [keys, ttls],
    );
    const fresh = new Set((result.rows as { id: string }[]).map((r) => r.id));
    for (const [key, w] of first) w.resolve(fresh.has(key));
    for (const w of repeats) w.resolve(false);
  } catch (error) {
    for (const w of waiters) w.reject(error);
  }
}

/** Deletes expired rows in batches of {@link SWEEP_BATCH}, so no statement runs long. */
async function sweepExpired(pool: PgClient, qualified: string): Promise<number> {
  let total = 0;
  try {
    for (let i = 0; i < MAX_SWEEP_BATCHES; i++) {
      const result = await pool.query(
        `DELETE FROM ${qualified} WHERE id IN
           (SELECT id FROM ${qualified} WHERE expires_at < now() LIMIT ${SWEEP_BATCH})`,
      );
      const deleted = result.rowCount ?? 0;
      total += deleted;
      if (deleted < SWEEP_BATCH) break;
    }
    return total;
  } catch (error) {
    if (serverCode(error) === '42P01') return total; // no table yet: nothing to sweep
    throw error;
  }
}
