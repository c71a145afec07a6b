/**
 * PostgreSQL systems, LISTEN/NOTIFY 1 → 1 in one process, 250-byte JSON: raw `pg_notify` awaited
 * one at a time on one client, raw `pg_notify` from a pool of 4 (one statement per notify, or
 * coalesced as Herald's transport does), and Herald's PostgreSQL transport publishing through a
 * pool of 4. The listener is always a dedicated `pg.Client`.
 */
import pg from 'pg';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import type { Posted } from '../fixtures.js';
import type { System } from '../harness.js';
import { POSTGRES, postgresPool, warmPool } from '../servers.js';
import { Deliveries, describeLoad, Latencies, type Load, runLoad } from '../support.js';
import { heraldVersion, versionOf } from '../versions.js';
import { heraldPairSystem, numbered } from './herald-pair.js';

const NOTIFY = 'SELECT pg_notify($1, $2)';

/** How the raw system notifies. */
export interface RawNotifyOptions {
  readonly id: string;
  readonly label: string;
  readonly load: Load;
  /** `0`: one client, each notify awaited before the next; `n`: a pool of n, a window in flight. */
  readonly pool: number;
  /**
   * Coalesce as Herald's transport does: at most `pool` statements in flight, and the notifies
   * that wait for one (those of a tick, or behind a busy pool) go together in one
   * `SELECT pg_notify($1, $2), pg_notify($3, $4), …` of up to 100. @default false
   */
  readonly coalesce?: boolean;
}

/** The hand-written coalescer of {@link RawNotifyOptions.coalesce}. */
function coalescer(pool: pg.Pool, slots: number, channel: string) {
  const waiting: { text: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let inFlight = 0;
  let scheduled = false;
  const pump = (): void => {
    scheduled = false;
    while (inFlight < slots && waiting.length > 0) {
      const batch = waiting.splice(0, 100);
      const sql = `SELECT ${batch.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ')}`;
      inFlight++;
      pool.query(sql, [channel, ...batch.map((w) => w.text)]).then(
        () => {
          inFlight--;
          for (const w of batch) w.resolve();
          pump();
        },
        (error: unknown) => {
          inFlight--;
          for (const w of batch) w.reject(error);
          pump();
        },
      );
    }
  };
  return (text: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ text, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(pump);
      }
    });
}

/** Raw `pg_notify` → `LISTEN` client → `JSON.parse`. */
export function rawNotifySystem(options: RawNotifyOptions): System {
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  const channel = `bench_${options.id.replace(/[^a-z0-9]/g, '_')}`;
  const pgVersion = versionOf('pg');
  let listener: pg.Client | undefined;
  let client: pg.Client | undefined;
  let pool: pg.Pool | undefined;
  let coalesce: ((text: string) => Promise<void>) | undefined;
  return {
    id: options.id,
    label: options.label,
    note: `pg ${pgVersion}, ${options.pool === 0 ? 'one client, each SELECT pg_notify awaited before the next' : `pg.Pool max ${options.pool}, SELECT pg_notify ${describeLoad(options.load)}${options.coalesce ? `, at most ${options.pool} statements in flight, waiting notifies coalesced into one statement of up to 100 (as Herald's transport does)` : ', one statement per notify'}`}; LISTEN on a dedicated client; JSON.stringify / JSON.parse`,
    versions: { pg: pgVersion },
    async setup() {
      listener = new pg.Client(POSTGRES);
      await listener.connect();
      listener.on('notification', (msg) => {
        latencies.received((JSON.parse(msg.payload!) as Posted).n);
        deliveries.hit();
      });
      await listener.query(`LISTEN ${channel}`);
      if (options.pool === 0) {
        client = new pg.Client(POSTGRES);
        await client.connect();
      } else {
        pool = postgresPool(options.pool);
        await warmPool(pool, options.pool);
        if (options.coalesce) coalesce = coalescer(pool, options.pool, channel);
      }
    },
    prepare: (n) => latencies.reset(n),
    async run(n) {
      if (client) {
        deliveries.start(n);
        for (let i = 0; i < n; i++) {
          latencies.sent(i);
          await client.query(NOTIFY, [channel, JSON.stringify(numbered(i))]);
        }
        await deliveries.until(n);
        deliveries.check();
      } else {
        const p = pool!;
        const notify = coalesce ?? ((text: string) => p.query(NOTIFY, [channel, text]));
        await runLoad(n, options.load, deliveries, (i, at) => {
          latencies.sent(i, at);
          return notify(JSON.stringify(numbered(i)));
        });
      }
      return { latencyMs: latencies.result() };
    },
    async teardown() {
      await client?.end();
      await pool?.end();
      await listener?.end();
    },
  };
}

/**
 * Herald's PostgreSQL transport, publishing through a pool of `poolSize`: default options
 * (micro-batching on), or `batching: false` (one envelope, one NOTIFY per publish); with
 * `template`, publishes spread over 1,000 topics of a wildcard template, received by one template
 * subscription.
 */
export function heraldPostgresSystem(
  load: Load,
  poolSize: number,
  batching?: false,
  spread?: 'template' | 'fleet',
): System {
  const template = spread === 'template';
  const fleet = spread === 'fleet';
  const pgVersion = versionOf('pg');
  const pools: pg.Pool[] = [];
  const off = batching === false;
  return heraldPairSystem({
    id: template
      ? 'herald-postgres-template'
      : fleet
        ? 'herald-postgres-fleet'
        : off
          ? 'herald-postgres-unbatched'
          : 'herald-postgres',
    label: template
      ? `Herald, PostgreSQL, template subscription (pool of ${poolSize})`
      : fleet
        ? `Herald, PostgreSQL, 1,000 concrete subscriptions (pool of ${poolSize})`
        : off
          ? `Herald, PostgreSQL, batching: false (pool of ${poolSize})`
          : `Herald, PostgreSQL transport (pool of ${poolSize})`,
    note: `herald ${heraldVersion()} postgresTransport on pg ${pgVersion}, two buses, each NOTIFYing through its own pg.Pool max ${poolSize} (the publishes of one tick, and those that wait for a busy pool, share one SELECT pg_notify(...), pg_notify(...) round trip) and LISTENing on its own client; publishes ${describeLoad(load)}; validation, signing, verification and replay check on; ${off ? 'batching: false (one envelope and one NOTIFY per publish)' : 'default options: micro-batching (the first publish of a tick alone, then batches of up to 100 messages kept under the 8000-byte NOTIFY limit)'}${template ? '; publishes round-robin on 1,000 topics of the wildcard template fleet:{node} (each also NOTIFYed on the template channel, in the same statement), the subscriber LISTENs on the template channel' : ''}${fleet ? '; the traffic of herald-postgres-template (round-robin on 1,000 topics of fleet:{node}, each also NOTIFYed on the template channel), received by 1,000 concrete subscriptions (1,000 LISTEN channels) instead of the template' : ''}`,
    load,
    ...(off ? { batching: false } : {}),
    template,
    fleet,
    versions: { pg: pgVersion },
    transport() {
      const pool = postgresPool(poolSize);
      pools.push(pool);
      return postgresTransport({
        pool,
        prefix: template ? 'hbencht' : fleet ? 'hbenchf' : off ? 'hbenchu' : 'hbench',
      });
    },
    started: () => Promise.all(pools.map((p) => warmPool(p, poolSize))).then(() => undefined),
    async cleanup() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
    },
  });
}
