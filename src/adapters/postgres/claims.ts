/**
 * The claim check for envelopes larger than a NOTIFY payload may be (8000 bytes in a default
 * build; measured in test/adapters/postgres.test.ts).
 *
 * The publisher stores the envelope in a table and notifies only a short marker in ONE statement
 * (a data-modifying CTE), so the row and the notification commit together: no receiver can see
 * the marker before the row. Receivers fetch the row by id from their pool. Rows are never
 * deleted on read (every subscribed node reads them); they expire after `ttlMs` and a periodic
 * sweep deletes expired rows in bounded batches.
 *
 * A marker is `~hc1:<instance>:<uuid>`. A Herald message starts with `herald/2 ` (or, read only,
 * herald/1's `eyJ` or `{`), and the bus's decoder rejects anything else as malformed, so a marker that leaked through
 * would be refused, never mistaken for a message.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConfigError } from '../../errors.js';
import { SQL_TABLE_PATTERN } from '../../rules.js';
import { quoteIdent } from './channels.js';
import { isServerError, poolQuery } from './sql.js';

const MARKER =
  /^~hc1:([0-9a-f]{16}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** Most rows one sweep deletes, so a sweep never turns into a long-running statement. */
export const SWEEP_BATCH = 500;

/** A parsed claim marker. */
export interface ClaimMarker {
  /** The publishing transport instance. */
  readonly instance: string;
  /** The row id. */
  readonly id: string;
}

/** The marker notified in place of a large envelope. */
export function claimMarker(instance: string, id: string): string {
  return `~hc1:${instance}:${id}`;
}

/** Parses a NOTIFY payload as a claim marker; undefined for anything else. */
export function parseClaimMarker(payload: string): ClaimMarker | undefined {
  if (payload.charCodeAt(0) !== 0x7e) return undefined;
  const match = MARKER.exec(payload);
  return match ? { instance: match[1] as string, id: match[2] as string } : undefined;
}

/** Table-backed storage of large envelopes. */
export interface ClaimStore {
  /** Stores `body` and notifies its marker on `serverChannel`, atomically. */
  publish(serverChannel: string, body: string, timeoutMs: number): Promise<void>;
  /** The stored body, or undefined when the row is gone (expired and swept, or never existed). */
  fetch(id: string, serverChannel: string, timeoutMs: number): Promise<string | undefined>;
  /** Deletes up to {@link SWEEP_BATCH} expired rows; returns how many. */
  sweep(timeoutMs: number): Promise<number>;
}

/** Throws a ConfigError unless `table` is `name` or `schema.name` of plain identifiers. */
export function checkTable(table: string): void {
  if (typeof table !== 'string' || !SQL_TABLE_PATTERN.test(table)) {
    throw new ConfigError(`postgres transport: claim table "${String(table)}" is invalid`, {
      transport: 'postgres',
      hint: 'use a table name such as "herald_claims" or "myschema.herald_claims" (identifiers of up to 40 characters of [A-Za-z0-9_])',
    });
  }
}

/** Creates the claim store of one transport; the table is created on first use. */
export function createClaimStore(
  pool: pg.Pool,
  table: string,
  instance: string,
  ttlMs: number,
): ClaimStore {
  const parts = table.split('.');
  const qualified = parts.map(quoteIdent).join('.');
  const index = quoteIdent(`${parts[parts.length - 1]}_expires_at_idx`);
  let ensured: Promise<void> | undefined;

  const ensure = (timeoutMs: number): Promise<void> => {
    ensured ??= (async () => {
      const create = `CREATE TABLE IF NOT EXISTS ${qualified} (
        id uuid PRIMARY KEY, channel text NOT NULL, body text NOT NULL,
        expires_at timestamptz NOT NULL)`;
      const indexSql = `CREATE INDEX IF NOT EXISTS ${index} ON ${qualified} (expires_at)`;
      for (const sql of [create, indexSql]) {
        // Two nodes creating the table at once can collide in the catalog (23505, 42P07):
        // the other one won, and the table exists.
        await poolQuery(pool, sql, [], timeoutMs).catch((error: unknown) => {
          if (!(isServerError(error) && (error.code === '23505' || error.code === '42P07'))) {
            throw error;
          }
        });
      }
    })();
    ensured.catch(() => {
      ensured = undefined;
    });
    return ensured;
  };

  return {
    async publish(serverChannel, body, timeoutMs) {
      await ensure(timeoutMs);
      const id = randomUUID();
      await poolQuery(
        pool,
        `WITH claim AS (INSERT INTO ${qualified} (id, channel, body, expires_at)
           VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond'))
         SELECT pg_notify($2, $5)`,
        [id, serverChannel, body, ttlMs, claimMarker(instance, id)],
        timeoutMs,
      );
    },
    async fetch(id, serverChannel, timeoutMs) {
      try {
        const result = await poolQuery<{ body: string }>(
          pool,
          `SELECT body FROM ${qualified} WHERE id = $1 AND channel = $2`,
          [id, serverChannel],
          timeoutMs,
        );
        return result.rows[0]?.body;
      } catch (error) {
        // No table: no large message was ever published here, so no row can exist. Receivers
        // never create it (a forged marker must not make them write to the database).
        if (isServerError(error) && error.code === '42P01') return undefined;
        throw error;
      }
    },
    async sweep(timeoutMs) {
      try {
        const result = await poolQuery(
          pool,
          `DELETE FROM ${qualified} WHERE id IN
             (SELECT id FROM ${qualified} WHERE expires_at < now() LIMIT ${SWEEP_BATCH})`,
          [],
          timeoutMs,
        );
        return result.rowCount ?? 0;
      } catch (error) {
        // No table yet: nobody has published a large message, so there is nothing to sweep.
        if (isServerError(error) && error.code === '42P01') return 0;
        throw error;
      }
    },
  };
}
