/**
 * Options of the PostgreSQL transport, their defaults, and their validation. Configuration that
 * cannot work throws a ConfigError when the transport is created, not on first use.
 */
import type pg from 'pg';
import { ConfigError } from '../../errors.js';
import { checkPrefix } from './channels.js';
import { checkTable } from './claims.js';
import { pgModule } from './driver.js';

/** The default connection when neither options nor `DATABASE_URL` give one. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** The largest NOTIFY payload of a default PostgreSQL build, in bytes (8000 is refused). */
export const NOTIFY_PAYLOAD_LIMIT = 7999;

/**
 * `pg.Pool` connection settings, passed through to pg. The common ones are listed; typed here so
 * that Herald's types do not need `@types/pg`. A `pg.PoolConfig` value is assignable to it.
 */
export interface PgConnectionOptions {
  /** @example 'postgres://app:secret@db.internal:5432/app' */
  readonly connectionString?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly user?: string | undefined;
  readonly password?: string | (() => string | Promise<string>) | undefined;
  readonly database?: string | undefined;
  /** `true`, or Node `tls.connect` options. */
  readonly ssl?: boolean | object | undefined;
  readonly application_name?: string | undefined;
  readonly statement_timeout?: number | false | undefined;
  readonly keepAlive?: boolean | undefined;
  /** Pool size. */
  readonly max?: number | undefined;
  readonly min?: number | undefined;
  readonly idleTimeoutMillis?: number | undefined | null;
  readonly connectionTimeoutMillis?: number | undefined;
}

/** The part of a `pg.Pool` Herald uses; every `pg.Pool` has it. Typed without `@types/pg`. */
export interface PgPool {
  /** The settings the pool was created with; Herald's LISTEN connection reuses them. */
  readonly options: object;
  connect(): Promise<unknown>;
}

/** Options of the PostgreSQL transport. */
export interface PostgresTransportOptions {
  /**
   * A connection URL. Ignored when `pool` is given.
   * @default process.env.DATABASE_URL, else 'postgres://postgres@127.0.0.1:5432/test'
   * @example 'postgres://app:secret@db.internal:5432/app'
   */
  readonly connectionString?: string;
  /**
   * `pg.Pool` options (host, port, user, password, database, ssl, max, ...) instead of a URL.
   * The LISTEN connection uses the same settings.
   */
  readonly connection?: PgConnectionOptions;
  /**
   * An existing pool to NOTIFY and fetch through (your application's pool). Herald opens its
   * own LISTEN connection with the pool's settings and never ends the pool on close.
   */
  readonly pool?: PgPool;
  /**
   * Namespace of the channel names, so several applications can share one database.
   * 1-30 characters of `[A-Za-z0-9_]`, starting with a letter.
   * @default 'herald'
   */
  readonly prefix?: string;
  /**
   * Time allowed for connect() (and each reconnect attempt): connection, LISTENs and a
   * confirmed round trip. Past it, connect() rejects with CONNECT_FAILED.
   * @default 2000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Interval of the `SELECT 1` heartbeat on the LISTEN connection.
   * @default 1000
   */
  readonly heartbeatMs?: number;
  /**
   * A heartbeat without an answer for this long declares the connection dead.
   * @default 3000
   */
  readonly heartbeatTimeoutMs?: number;
  /**
   * Time allowed for one publish (pool checkout and NOTIFY); past it, publish rejects.
   * @default 5000
   */
  readonly publishTimeoutMs?: number;
  /**
   * Most NOTIFYs one `SELECT pg_notify(...), pg_notify(...)` round trip carries: the publishes of
   * one tick, or those that waited for a busy pool, go out together (each still its own
   * notification, in order). `1` sends every publish in a round trip of its own.
   * @default 100
   */
  readonly maxNotifiesPerQuery?: number;
  /** Reconnect backoff: doubling from `initialDelayMs` up to `maxDelayMs`, retried forever. */
  readonly reconnect?: {
    /** @default 100 */
    readonly initialDelayMs?: number;
    /** @default 2000 */
    readonly maxDelayMs?: number;
  };
  /** Storage of envelopes too large for NOTIFY. */
  readonly claimCheck?: {
    /**
     * The table (`name` or `schema.name`), created if missing.
     * @default 'herald_claims'
     */
    readonly table?: string;
    /**
     * Envelopes above this many bytes go through the table. At most 7999.
     * @default 7999
     */
    readonly thresholdBytes?: number;
    /**
     * How long a stored envelope stays readable.
     * @default 60000
     */
    readonly ttlMs?: number;
    /**
     * Interval of the sweep that deletes expired rows (500 at most per sweep).
     * @default min(ttlMs, 30000)
     */
    readonly sweepMs?: number;
  };
}

/** Options with every default applied. */
export interface ResolvedOptions {
  /** Settings of the LISTEN connection (a `pg.ClientConfig`). */
  readonly client: PgConnectionOptions;
  readonly pool: PgPool | undefined;
  /** Settings of the pool Herald creates when it is given none (a `pg.PoolConfig`). */
  readonly poolConfig: PgConnectionOptions;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly prefix: string;
  readonly connectTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly maxNotifiesPerQuery: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly table: string;
  readonly thresholdBytes: number;
  readonly ttlMs: number;
  readonly sweepMs: number;
}

function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  max = 2 ** 31,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`postgres transport: ${name} = ${String(value)} is invalid`, {
      transport: 'postgres',
      hint: `use an integer from 1 to ${max}`,
    });
  }
  return value;
}

/** Applies defaults and validates; throws a ConfigError for options that cannot work. */
export function resolveOptions(options: PostgresTransportOptions): ResolvedOptions {
  const prefix = options.prefix ?? 'herald';
  checkPrefix(prefix);
  const table = options.claimCheck?.table ?? 'herald_claims';
  checkTable(table);
  if (!options.pool && options.connectionString !== undefined && options.connection) {
    throw new ConfigError('postgres transport: give connectionString or connection, not both', {
      transport: 'postgres',
      hint: 'put the URL in connection.connectionString if you need both',
    });
  }
  const poolConfig: pg.PoolConfig = options.pool
    ? { ...options.pool.options }
    : (options.connection ?? {
        connectionString:
          options.connectionString ?? (process.env.DATABASE_URL || DEFAULT_DATABASE_URL),
      });
  // Pool-only settings (max, idleTimeoutMillis, ...) are ignored by pg.Client.
  const client: pg.ClientConfig = poolConfig;
  // pg resolves host, port and database (URL, options, PG* variables) without connecting.
  const where = new (pgModule().Client)(client);
  const ttlMs = positive('claimCheck.ttlMs', options.claimCheck?.ttlMs, 60_000);
  return {
    client,
    pool: options.pool,
    poolConfig,
    host: where.host,
    port: where.port,
    database: where.database ?? '',
    prefix,
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 2000),
    heartbeatMs: positive('heartbeatMs', options.heartbeatMs, 1000),
    heartbeatTimeoutMs: positive('heartbeatTimeoutMs', options.heartbeatTimeoutMs, 3000),
    publishTimeoutMs: positive('publishTimeoutMs', options.publishTimeoutMs, 5000),
    maxNotifiesPerQuery: positive('maxNotifiesPerQuery', options.maxNotifiesPerQuery, 100, 1000),
    initialDelayMs: positive('reconnect.initialDelayMs', options.reconnect?.initialDelayMs, 100),
    maxDelayMs: positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs, 2000),
    table,
    thresholdBytes: positive(
      'claimCheck.thresholdBytes',
      options.claimCheck?.thresholdBytes,
      NOTIFY_PAYLOAD_LIMIT,
      NOTIFY_PAYLOAD_LIMIT,
    ),
    ttlMs,
    sweepMs: positive('claimCheck.sweepMs', options.claimCheck?.sweepMs, Math.min(ttlMs, 30_000)),
  };
}
