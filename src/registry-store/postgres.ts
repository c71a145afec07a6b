/**
 * A schema store in a PostgreSQL table, created on first use:
 *
 * ```sql
 * CREATE TABLE herald_schemas (
 *   subject text, version integer, schema jsonb, fingerprint text, compatibility text,
 *   upcast boolean, registered_at timestamptz, registered_by text,
 *   PRIMARY KEY (subject, version))
 * ```
 *
 * `INSERT … ON CONFLICT DO NOTHING` makes "first write wins" atomic. It takes a pool (or client)
 * you already have and never closes it.
 */
import { ConfigError } from '../errors.js';
import type { PgClient } from '../postgres-client.js';
import { SQL_TABLE_PATTERN } from '../rules.js';
import type { JsonSchema } from '../schemas/compat/json.js';
import { isRecord } from './subject.js';
import type { SchemaStore, StoredSchema } from './types.js';

/** Options of {@link postgresSchemaStore}. */
export interface PostgresSchemaStoreOptions {
  /**
   * The table (`name` or `schema.name`), created if missing.
   * @default 'herald_schemas'
   */
  readonly table?: string;
}

const COLUMNS =
  'subject, version, schema, fingerprint, compatibility, upcast, registered_at, registered_by';

interface Row {
  subject: string;
  version: number;
  schema: JsonSchema;
  fingerprint: string;
  compatibility: string;
  upcast: boolean;
  registered_at: Date | string;
  registered_by: string;
}

function fromRow(row: unknown): StoredSchema | undefined {
  const r = row as Row;
  const record = {
    subject: r.subject,
    version: Number(r.version),
    schema: r.schema,
    fingerprint: r.fingerprint,
    compatibility: r.compatibility,
    upcast: r.upcast,
    registeredAt: new Date(r.registered_at).getTime(),
    registeredBy: r.registered_by,
  };
  return isRecord(record) ? record : undefined;
}

const isStored = (r: StoredSchema | undefined): r is StoredSchema => r !== undefined;

/** Creates the table once, on first use; a failed attempt is tried again by the next call. */
function tableEnsurer(pool: PgClient, qualified: string): () => Promise<void> {
  let ensured: Promise<void> | undefined;
  return () => {
    ensured ??= pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${qualified} (
           subject text NOT NULL,
           version integer NOT NULL,
           schema jsonb NOT NULL,
           fingerprint text NOT NULL,
           compatibility text NOT NULL,
           upcast boolean NOT NULL,
           registered_at timestamptz NOT NULL,
           registered_by text NOT NULL,
           PRIMARY KEY (subject, version))`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          // Two processes creating the table at once collide in the catalog: the other won.
          const code = (error as { code?: unknown } | null)?.code;
          if (code !== '23505' && code !== '42P07') throw error;
        },
      );
    ensured.catch(() => {
      ensured = undefined;
    });
    return ensured;
  };
}

/** A schema store on a PostgreSQL table. The pool stays yours. */
export function postgresSchemaStore(
  pool: PgClient,
  options: PostgresSchemaStoreOptions = {},
): SchemaStore {
  const table = options.table ?? 'herald_schemas';
  if (typeof table !== 'string' || !SQL_TABLE_PATTERN.test(table)) {
    throw new ConfigError(`postgresSchemaStore: table "${String(table)}" is invalid`, {
      hint: 'use a table such as "herald_schemas" or "myschema.herald_schemas"',
    });
  }
  if (typeof pool?.query !== 'function') {
    throw new ConfigError('postgresSchemaStore needs a pg pool or client', {
      hint: 'pass a pg.Pool: postgresSchemaStore(new pg.Pool({ connectionString }))',
    });
  }
  const qualified = table
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');
  const ensure = tableEnsurer(pool, qualified);
  const select = async (where: string, values: unknown[]): Promise<StoredSchema[]> => {
    await ensure();
    const { rows } = await pool.query(
      `SELECT ${COLUMNS} FROM ${qualified} ${where} ORDER BY subject, version`,
      values,
    );
    return rows.map(fromRow).filter(isStored);
  };

  const get = async (subject: string, version: number): Promise<StoredSchema | undefined> =>
    (await select('WHERE subject = $1 AND version = $2', [subject, version]))[0];

  return {
    name: 'postgres',
    async subjects() {
      await ensure();
      const { rows } = await pool.query(
        `SELECT DISTINCT subject FROM ${qualified} ORDER BY subject`,
      );
      return rows.map((r) => (r as { subject: string }).subject);
    },
    versions: (subject) => select('WHERE subject = $1', [subject]),
    get,
    async insert(record) {
      await ensure();
      const { rows } = await pool.query(
        `INSERT INTO ${qualified} (${COLUMNS})
           VALUES ($1, $2, $3::jsonb, $4, $5, $6, to_timestamp($7::float8 / 1000), $8)
         ON CONFLICT (subject, version) DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          record.subject,
          record.version,
          JSON.stringify(record.schema),
          record.fingerprint,
          record.compatibility,
          record.upcast,
          record.registeredAt,
          record.registeredBy,
        ],
      );
      const inserted = rows[0] === undefined ? undefined : fromRow(rows[0]);
      if (inserted !== undefined) return { stored: inserted, created: true };
      const existing = await get(record.subject, record.version);
      if (existing === undefined) {
        throw new ConfigError(
          `the schema store could not store ${record.subject} version ${record.version}`,
          { hint: `check the table ${table}: a row exists that Herald cannot read` },
        );
      }
      return { stored: existing, created: false };
    },
  };
}
