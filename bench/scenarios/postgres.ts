/**
 * Scenario `postgres-1to1`: PostgreSQL LISTEN/NOTIFY, one publisher → one listener in one
 * process, 250-byte JSON payloads. Herald (pool of 4) against raw `pg_notify` from a pool of 4
 * and raw `pg_notify` awaited one at a time.
 */
import type { Scenario } from '../harness.js';
import { postgresUnavailable } from '../servers.js';
import { heraldPostgresSystem, rawNotifySystem } from '../systems/postgres.js';

const WINDOW = 256;
const POOL = 4;
const LOAD = { window: WINDOW };

/** PostgreSQL, 1 → 1. */
export const postgresOneToOne: Scenario = {
  id: 'postgres-1to1',
  title: 'PostgreSQL 1 → 1 (NOTIFY), 250-byte JSON',
  measures:
    'Messages per second from SELECT pg_notify to the handler behind a LISTEN connection, PostgreSQL on 127.0.0.1:5432. Pooled systems keep up to 256 notifies in flight over 4 connections; the awaited one sends the next only after the previous query returned.',
  kind: 'throughput',
  messages: { quick: 2_000, full: 4_000 },
  baselines: ['pg-notify-pool4', 'pg-notify-pool4-coalesced', 'pg-notify-awaited'],
  settings: { window: WINDOW, pool: POOL, payloadBytes: 250, server: '127.0.0.1:5432' },
  unavailable: postgresUnavailable,
  async systems() {
    return [
      heraldPostgresSystem(LOAD, POOL),
      heraldPostgresSystem(LOAD, POOL, false),
      heraldPostgresSystem(LOAD, POOL, undefined, 'template'),
      heraldPostgresSystem(LOAD, POOL, undefined, 'fleet'),
      rawNotifySystem({
        id: 'pg-notify-pool4',
        label: `raw pg_notify, pool of ${POOL}`,
        load: LOAD,
        pool: POOL,
      }),
      rawNotifySystem({
        id: 'pg-notify-pool4-coalesced',
        label: `raw pg_notify, pool of ${POOL}, coalesced like Herald`,
        load: LOAD,
        pool: POOL,
        coalesce: true,
      }),
      rawNotifySystem({
        id: 'pg-notify-awaited',
        label: 'raw pg_notify, awaited one at a time',
        load: LOAD,
        pool: 0,
      }),
    ];
  },
};
