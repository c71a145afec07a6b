/**
 * The shared schema stores — in memory, Redis hashes, a PostgreSQL table — under the same cases:
 * storing and reading records, first write wins, and registration as a schema registry server
 * does it (same schema again: fine; a new version that breaks the mode, or another schema under
 * a stored number: refused; two producers racing with different schemas: one wins).
 * Redis and PostgreSQL are real servers (test/support/services.ts; CI=true fails when absent).
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  memorySchemaStore,
  postgresSchemaStore,
  redisSchemaStore,
  SchemaRegistrationError,
  type SchemaStore,
} from '../../src/index.js';
import {
  type EventHistory,
  registerEvent,
  type StoredSchema,
  schemaFingerprint,
} from '../../src/schema-tools.js';
import { toJsonSchema } from '../../src/schemas/compat/index.js';
import { requirePostgres, requireRedis } from '../support/services.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
const suffix = randomBytes(4).toString('hex');
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

type Factory = () => Promise<SchemaStore>;
const backends: [string, boolean, Factory][] = [
  ['memory', true, async () => memorySchemaStore()],
  [
    'redis',
    redis.ok,
    async () => {
      const client = new Redis(redis.url);
      const prefix = `herald-test:${randomBytes(4).toString('hex')}:schemas:`;
      cleanups.push(async () => {
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      });
      return redisSchemaStore(client, { prefix });
    },
  ],
  [
    'postgres',
    postgres.ok,
    async () => {
      const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
      const table = `herald_schemas_test_${suffix}_${randomBytes(2).toString('hex')}`;
      cleanups.push(async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}"`);
        await pool.end();
      });
      return postgresSchemaStore(pool, { table });
    },
  ],
];

const subject = 'order:{orderId}/status_updated';
const V1 = Type.Object({ orderId: Type.String(), status: Type.String() });
const V2 = Type.Object({ orderId: Type.String(), status: Type.String(), carrier: Type.String() });
const V2b = Type.Object({ orderId: Type.String(), status: Type.String(), carrier: Type.Integer() });

const history = (
  versions: [number, unknown, boolean][],
  compatibility: EventHistory['compatibility'] = 'BACKWARD_TRANSITIVE',
): EventHistory => ({
  subject,
  compatibility,
  versions: versions.map(([version, schema, upcast]) => ({
    version,
    schema: toJsonSchema(schema),
    upcast,
  })),
});

const record = (version: number, schema: unknown, by = 'test'): StoredSchema => ({
  subject,
  version,
  schema: toJsonSchema(schema),
  fingerprint: schemaFingerprint(schema),
  compatibility: 'BACKWARD',
  upcast: false,
  registeredAt: 1_700_000_000_000 + version,
  registeredBy: by,
});

describe.each(backends)('%s schema store', (_name, available, make) => {
  describe.skipIf(!available)('records', () => {
    it('stores a record and reads it back by subject and version', async () => {
      const store = await make();
      expect(await store.insert(record(1, V1))).toEqual({ stored: record(1, V1), created: true });
      expect(await store.get(subject, 1)).toEqual(record(1, V1));
      expect(await store.get(subject, 2)).toBeUndefined();
      expect(await store.get('nothing/here', 1)).toBeUndefined();
      expect(await store.subjects()).toEqual([subject]);
      expect(await store.versions('nothing/here')).toEqual([]);
    });

    it('keeps the first record of a version: a second insert returns it', async () => {
      const store = await make();
      await store.insert(record(2, V2, 'first'));
      await store.insert(record(1, V1));
      const again = await store.insert(record(2, V2b, 'second'));
      expect(again.created).toBe(false);
      expect(again.stored.registeredBy).toBe('first');
      expect((await store.versions(subject)).map((r) => [r.version, r.registeredBy])).toEqual([
        [1, 'test'],
        [2, 'first'],
      ]);
    });
  });

  describe.skipIf(!available)('registration', () => {
    it('registers new versions, and recognises them on the next run', async () => {
      const store = await make();
      const h = history([
        [1, V1, false],
        [2, V2, true],
      ]);
      expect(await registerEvent(store, h, { by: 'node-a' })).toEqual({
        subject,
        registered: [1, 2],
        existing: [],
      });
      expect(await registerEvent(store, h)).toEqual({ subject, registered: [], existing: [1, 2] });
      const stored = await store.versions(subject);
      expect(stored.map((r) => [r.version, r.upcast, r.registeredBy])).toEqual([
        [1, false, 'node-a'],
        [2, true, 'node-a'],
      ]);
      expect(stored[1]?.fingerprint).toBe(schemaFingerprint(V2));
    });

    it('refuses a new version that breaks the mode against the stored history', async () => {
      const store = await make();
      await registerEvent(store, history([[1, V1, false]]));
      const error = await registerEvent(
        store,
        history([
          [1, V1, false],
          [2, V2, false],
        ]),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaRegistrationError);
      expect(error).toMatchObject({ problem: 'incompatible', version: 2, subject });
      expect((error as SchemaRegistrationError).conflicts[0]).toMatchObject({
        reader: 2,
        writer: 1,
        direction: 'backward',
      });
      expect((await store.versions(subject)).map((r) => r.version)).toEqual([1]);
    });

    it('checks a new version against stored versions the producer does not declare', async () => {
      const store = await make();
      await registerEvent(store, history([[1, V1, false]]));
      // Version 2 alone: its own history has no upcaster from version 1.
      await expect(registerEvent(store, history([[2, V2, false]]))).rejects.toMatchObject({
        problem: 'incompatible',
      });
      await expect(
        registerEvent(store, history([[2, V2, false]], 'FORWARD')),
      ).resolves.toMatchObject({ registered: [2] });
    });

    it('refuses a version number stored with another schema', async () => {
      const store = await make();
      await registerEvent(
        store,
        history([
          [1, V1, false],
          [2, V2, true],
        ]),
      );
      await expect(
        registerEvent(
          store,
          history([
            [1, V1, false],
            [2, V2b, true],
          ]),
        ),
      ).rejects.toMatchObject({ problem: 'conflict', version: 2 });
    });

    it('lets exactly one of two racing producers store its version 2', async () => {
      const store = await make();
      await registerEvent(store, history([[1, V1, false]]));
      const race = await Promise.allSettled([
        registerEvent(
          store,
          history([
            [1, V1, false],
            [2, V2, true],
          ]),
          { by: 'a' },
        ),
        registerEvent(
          store,
          history([
            [1, V1, false],
            [2, V2b, true],
          ]),
          { by: 'b' },
        ),
      ]);
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const loser = race.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toMatchObject({ problem: 'conflict', version: 2 });
      const winner = (await store.get(subject, 2))!;
      expect(winner.fingerprint).toBe(schemaFingerprint(winner.registeredBy === 'a' ? V2 : V2b));
    });
  });
});
