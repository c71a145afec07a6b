/**
 * Opens a schema store from a URL for the command line: `redis://…` (Redis hashes) or
 * `postgres://…` (a table). The drivers are imported only when used.
 */
import { postgresSchemaStore, redisSchemaStore, type SchemaStore } from '../src/index.js';
import { CodegenError, CodegenErrorCode } from './errors.js';

/** An open store and how to close its connection. */
export interface StoreConnection {
  readonly store: SchemaStore;
  /** The URL without credentials, for messages. */
  readonly label: string;
  close(): Promise<void>;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Redis key prefix. @default 'herald:schemas:' */
  readonly prefix?: string | undefined;
  /** PostgreSQL table. @default 'herald_schemas' */
  readonly table?: string | undefined;
}

/** The URL with its password replaced by `***`. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Connects to the store a URL names. */
export async function openStore(
  url: string,
  options: OpenStoreOptions = {},
): Promise<StoreConnection> {
  const label = redact(url);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new CodegenError(CodegenErrorCode.Usage, `"${label}" is not a schema store URL`, {
      hint: 'use redis://host:6379 or postgres://user@host/db (or set HERALD_SCHEMA_STORE)',
    });
  }
  try {
    if (protocol === 'redis:' || protocol === 'rediss:') {
      const { Redis } = await import('ioredis');
      const client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: 3000,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      await client.connect();
      return {
        store: redisSchemaStore(
          client,
          options.prefix === undefined ? {} : { prefix: options.prefix },
        ),
        label,
        close: async () => {
          await client.quit().catch(() => client.disconnect());
        },
      };
    }
    if (protocol === 'postgres:' || protocol === 'postgresql:') {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000 });
      pool.on('error', () => undefined);
      await pool.query('SELECT 1');
      return {
        store: postgresSchemaStore(
          pool,
          options.table === undefined ? {} : { table: options.table },
        ),
        label,
        close: () => pool.end(),
      };
    }
  } catch (error) {
    throw new CodegenError(
      CodegenErrorCode.Store,
      `cannot open the schema store at ${label}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: 'check that the server is reachable and the URL is right',
        cause: error,
      },
    );
  }
  throw new CodegenError(
    CodegenErrorCode.Usage,
    `unsupported schema store "${protocol}" in ${label}`,
    {
      hint: 'use redis://host:6379 or postgres://user@host/db',
    },
  );
}
