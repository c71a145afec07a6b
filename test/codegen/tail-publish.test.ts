/**
 * `herald tail` and `herald publish` as separate processes on the real Redis (and PostgreSQL):
 * what one publishes the other prints, verified; a message signed with another key is printed as
 * a rejection with its reason; a refused payload sends nothing and exits 1 naming the fields.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgres, requireRedis } from '../support/services.js';
import { herald, type LiveCli, spawnHerald } from './run-cli.js';

const redis = await requireRedis();
const postgres = await requirePostgres();

const REGISTRY = 'test/codegen/fixtures/shop.ts';
const key = (kid: string): string => `${kid}=base64url:${randomBytes(32).toString('base64url')}`;
const KEYS = key('shop-1');
// A prefix of our own: other tests share this Redis and database.
const RUN = randomBytes(4).toString('hex');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'herald-tail-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Stops a tail with SIGINT and returns its exit code. */
async function interrupt(tail: LiveCli): Promise<number | null> {
  tail.proc.kill('SIGINT');
  return tail.exited();
}

describe.skipIf(!redis.ok)('herald tail and publish on Redis', { timeout: 120_000 }, () => {
  const env = { HERALD_KEYS: KEYS, REDIS_URL: redis.url };
  const connect = ['--registry', REGISTRY, '--transport', 'redis', '--redis-prefix', `cli-${RUN}:`];

  it('prints a published message with node, kid and payload, and a forged one as a rejection; SIGINT exits 0', async () => {
    const tail = spawnHerald(['tail', ...connect, 'order:ORD-1', 'alerts'], env);
    try {
      await tail.waitFor(/listening on order:ORD-1, alerts via redis/, { stream: 'stderr' });
      const sent = await herald(
        [
          'publish',
          ...connect,
          '--node',
          'pub-1',
          'order:ORD-1',
          'placed',
          '{"item":"tea","quantity":2}',
        ],
        env,
      );
      expect(sent.code).toBe(0);
      const receipt = JSON.parse(sent.stdout);
      expect(receipt).toMatchObject({
        topic: 'order:ORD-1',
        event: 'placed',
        transport: 'redis',
        sent: true,
        degraded: false,
      });
      const line = await tail.waitFor(/order:ORD-1 {2}placed@1/);
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}order:ORD-1 {2}placed@1 {2}node=pub-1 {2}kid=shop-1 {2}trace=- {2}\{"item":"tea","quantity":2\}$/,
      );

      // The same key id with another secret: the tail refuses it and says why.
      const forged = await herald(
        ['publish', ...connect, '--node', 'pub-2', '--quiet', 'alerts', 'raised', '{"text":"x"}'],
        { ...env, HERALD_KEYS: key('shop-1') },
      );
      expect(forged.code).toBe(0);
      const rejected = await tail.waitFor(/REJECTED/);
      expect(rejected).toContain('REJECTED bad_signature');
      expect(rejected).toContain('channel=alerts');
      expect(rejected).toContain('signature with key "shop-1" does not verify');
      expect(tail.lines.filter((l) => l.includes('"text":"x"'))).toEqual([]);
    } finally {
      expect(await interrupt(tail)).toBe(0);
    }
  });

  it('prints JSON lines with --json, payloads from @file and stdin', async () => {
    const tail = spawnHerald(['tail', ...connect, '--json', 'alerts'], env);
    try {
      await tail.waitFor(/listening on alerts/, { stream: 'stderr' });
      const file = join(tmp, 'alert.json');
      await writeFile(file, '{"text":"from a file"}');
      expect(
        (await herald(['publish', ...connect, 'alerts', 'raised', `@${file}`], env)).code,
      ).toBe(0);
      expect(
        (
          await herald(
            ['publish', ...connect, 'alerts', 'raised', '-'],
            env,
            '{"text":"from stdin"}',
          )
        ).code,
      ).toBe(0);
      const first = JSON.parse(await tail.waitFor(/from a file/));
      expect(first).toMatchObject({
        type: 'message',
        topic: 'alerts',
        event: 'raised',
        version: 1,
        kid: 'shop-1',
        traceId: null,
        payload: { text: 'from a file' },
      });
      expect(first.node).toMatch(/^herald-publish-\d+$/);
      expect(new Date(first.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(JSON.parse(await tail.waitFor(/from stdin/)).payload).toEqual({ text: 'from stdin' });
    } finally {
      expect(await interrupt(tail)).toBe(0);
    }
  });

  it('refuses an invalid payload with every field path, exit 1, before connecting', async () => {
    // A dead Redis URL: the payload is refused before any connection is tried.
    const run = await herald(
      [
        'publish',
        '--registry',
        REGISTRY,
        'order:ORD-1',
        'placed',
        '{"item":"","quantity":0,"x":1}',
      ],
      { HERALD_KEYS: KEYS, REDIS_URL: 'redis://127.0.0.1:1' },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'herald publish: payload refused for order:ORD-1 placed (3 issues):',
    );
    expect(run.stderr).toContain('  /item: Expected string length greater or equal to 1');
    expect(run.stderr).toContain('  /quantity: Expected integer to be greater or equal to 1');
    expect(run.stderr).toMatch(/ {2}\/x: /);
  });

  it('refuses a draft version unless --drafts is given', async () => {
    const payload = '{"carrier":"ups","tracking":"1Z"}';
    const refused = await herald(['publish', ...connect, 'order:ORD-2', 'shipped', payload], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'order.shipped@2 is a draft: this bus does not publish drafts',
    );
    const sent = await herald(
      ['publish', ...connect, '--drafts', 'order:ORD-2', 'shipped', payload],
      env,
    );
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ event: 'shipped', sent: true });
  });

  it('refuses templates, unknown topics and events, local, and missing keys with exit 2', async () => {
    const template = await herald(['tail', ...connect, 'order:{orderId}'], env);
    expect(template.code).toBe(2);
    expect(template.stderr).toContain(
      'cannot tail the template "order:{orderId}": template subscriptions (every instance of a template) are a later feature',
    );
    expect(template.stderr).toContain('order:<orderId>');
    const byKey = await herald(['tail', ...connect, 'order'], env);
    expect(byKey.stderr).toContain('cannot tail the template "order:{orderId}"');
    const unknown = await herald(['publish', ...connect, 'order:ORD-1', 'lost', '{}'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'topic "order:ORD-1" has no event "lost" (hint: its events: placed, shipped)',
    );
    const local = await herald(
      ['tail', ...connect.slice(0, 2), '--transport', 'local', 'alerts'],
      env,
    );
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--transport local cannot reach the app');
    const noKeys = await herald(['tail', ...connect, 'alerts'], { REDIS_URL: redis.url });
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toContain('no keys: HERALD_KEYS is not set');
  });
});

describe.skipIf(!postgres.ok)('herald tail and publish on PostgreSQL', { timeout: 120_000 }, () => {
  it('carries a message from publish to tail over LISTEN/NOTIFY', async () => {
    const env = { HERALD_KEYS: KEYS, DATABASE_URL: postgres.url };
    const connect = [
      '--registry',
      REGISTRY,
      '--transport',
      'postgres',
      '--postgres-prefix',
      `cli${RUN}`,
    ];
    const tail = spawnHerald(['tail', ...connect, 'alerts'], env);
    try {
      await tail.waitFor(/listening on alerts via postgres/, { stream: 'stderr' });
      const sent = await herald(['publish', ...connect, 'alerts', 'raised', '{"text":"pg"}'], env);
      expect(JSON.parse(sent.stdout)).toMatchObject({ transport: 'postgres', sent: true });
      expect(await tail.waitFor(/"text":"pg"/)).toContain('alerts  raised@1');
    } finally {
      expect(await interrupt(tail)).toBe(0);
    }
  });
});
