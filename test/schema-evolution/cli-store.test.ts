/**
 * `herald schemas register|list|show|diff` against the real stores: Redis hashes (with
 * `--store` and `--prefix`) and a PostgreSQL table (with `HERALD_SCHEMA_STORE` and
 * `HERALD_SCHEMA_TABLE`). Registering the fixture's bumped registry, then an edit that breaks
 * it, which the store refuses.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePostgres, requireRedis } from '../support/services.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = 'test/schema-evolution/fixture';
const SUBJECT = 'order:{orderId}/status_updated';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function herald(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'codegen/cli.ts', 'schemas', ...args],
      { cwd: ROOT, env: { ...process.env, HERALD_SCHEMA_STORE: '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('herald schemas on a store', { timeout: 90_000 }, () => {
  it('refuses to run without a store', async () => {
    const run = await herald({}, 'list');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no schema store: pass --store <url> or set HERALD_SCHEMA_STORE');
  });

  it.skipIf(!redis.ok)('registers, lists, shows and diffs versions in Redis hashes', async () => {
    const prefix = `herald-test:${randomBytes(4).toString('hex')}:schemas:`;
    cleanups.push(async () => {
      const client = new Redis(redis.url);
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    });
    const store = ['--store', redis.url, '--prefix', prefix];
    const registered = await herald(
      {},
      'register',
      '--registry',
      `${FIXTURE}/changes/bumped.ts`,
      ...store,
    );
    expect(registered.code).toBe(0);
    expect(registered.stdout).toContain(`${SUBJECT}: registered 1, 2`);
    expect(registered.stdout).toContain('order:{orderId}/cancelled: registered 1');

    const list = await herald({}, 'list', ...store);
    expect(list.stdout.split('\n')).toEqual([
      'SUBJECT                         VERSIONS  MODE',
      'order:{orderId}/cancelled       1         FULL',
      'order:{orderId}/status_updated  1, 2      BACKWARD_TRANSITIVE',
      '',
    ]);

    const show = await herald({}, 'show', SUBJECT, '--version', '2', '--json', ...store);
    const record = JSON.parse(show.stdout) as Record<string, unknown>;
    expect(record).toMatchObject({
      subject: SUBJECT,
      version: 2,
      upcast: true,
      registeredBy: 'herald-cli',
    });
    expect((record.schema as { required: string[] }).required).toContain('carrier');

    const diff = await herald({}, 'diff', SUBJECT, '1', '2', ...store);
    expect(diff.stdout.split('\n')).toEqual([
      `${SUBJECT}: version 1 → 2`,
      '  + /properties/carrier {"type":"string"}',
      '  ~ /required ["orderId","status"] → ["orderId","status","carrier"]',
      'v2 reads v1 (backward): no',
      '  /carrier: reader requires "carrier"; writer does not send it',
      'v1 reads v2 (forward): yes',
      'v2 was registered with an upcaster from v1: its consumers upgrade v1 payloads',
      '',
    ]);

    // Version 1 edited in place: the store holds another schema under that number.
    const refused = await herald(
      {},
      'register',
      '--registry',
      `${FIXTURE}/changes/breaking.ts`,
      ...store,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${SUBJECT} version 1 is already registered with another schema`,
    );
  });

  it.skipIf(!postgres.ok)('reads a PostgreSQL table named by environment variables', async () => {
    const table = `herald_schemas_cli_${randomBytes(4).toString('hex')}`;
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${table}"`);
      await client.end();
    });
    const env = { HERALD_SCHEMA_STORE: postgres.url, HERALD_SCHEMA_TABLE: table };
    expect((await herald(env, 'register', '--registry', `${FIXTURE}/orders.ts`)).code).toBe(0);
    const bumped = await herald(env, 'register', '--registry', `${FIXTURE}/changes/bumped.ts`);
    expect(bumped.stdout).toContain(`${SUBJECT}: registered 2; already stored 1`);
    const narrowed = await herald(env, 'register', '--registry', `${FIXTURE}/changes/narrowed.ts`);
    expect(narrowed.code).toBe(1);
    expect(narrowed.stderr).toContain('version 2 is already registered with another schema');
    const show = await herald(env, 'show', SUBJECT);
    expect(show.stdout).toMatch(
      new RegExp(
        `^${SUBJECT.replace(/[{}]/g, '\\$&')} v1  sha256:[0-9a-f]{64}  BACKWARD_TRANSITIVE  registered `,
        'm',
      ),
    );
    expect(show.stdout).toContain('v2  sha256:');
    expect(show.stdout).toContain('upcast from v1');
    const missing = await herald(env, 'show', 'order:{orderId}/nothing');
    expect(missing.code).toBe(1);
  });
});
