/**
 * `herald doctor` against real servers: the shared Redis and PostgreSQL (ok), a private Redis it
 * sees up and then stopped (fail, exit 1), stale generated code, weak or missing keys, and OTLP
 * endpoints that answer or do not (loopback HTTP servers started here).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { startRedisServer } from '../support/redis-server.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { herald, ROOT } from './run-cli.js';

/** The range doctor must quote: package.json's own `engines.node`, whatever it is today. */
const ENGINES = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
).engines.node;

const redis = await requireRedis();
const postgres = await requirePostgres();

const KEYS = `ops-2=base64url:${randomBytes(32).toString('base64url')},ops-1=base64url:${randomBytes(32).toString('base64url')}`;

/** The report's line for a check, split into verdict and detail. */
function row(stdout: string, check: string): { verdict: string; detail: string } {
  const line = stdout.split('\n').find((l) => l.startsWith(`${check}  `));
  if (line === undefined) throw new Error(`no "${check}" line in:\n${stdout}`);
  const [, verdict, detail] = /^\S+(?: \S+)?\s+(ok|warn|fail|skip)\s+(.*)$/.exec(line) ?? [];
  return { verdict: verdict ?? '?', detail: detail ?? '' };
}

let tmp: string;
let otlp: Server;
let otlpPaths: string[];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'herald-doctor-'));
  otlpPaths = [];
  otlp = createServer((req, res) => {
    otlpPaths.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => otlp.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => otlp.close(resolve));
  await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!redis.ok || !postgres.ok)('herald doctor', { timeout: 120_000 }, () => {
  it('passes with both servers up: versions, round trips, clock skew, keys, lock, OTLP', async () => {
    const { port } = otlp.address() as AddressInfo;
    const run = await herald(
      [
        'doctor',
        '--registry',
        'examples/chat/registry.ts',
        '--out',
        'examples/chat/generated',
        '--herald',
        '../../../src',
      ],
      {
        HERALD_KEYS: KEYS,
        REDIS_URL: redis.url,
        DATABASE_URL: postgres.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^CHECK +VERDICT +DETAIL$/m);
    expect(row(run.stdout, 'node')).toEqual({
      verdict: 'ok',
      detail: `${process.version} (herald needs ${ENGINES})`,
    });
    expect(row(run.stdout, 'keys')).toEqual({
      verdict: 'ok',
      detail: 'HERALD_KEYS: 2 keys (HS256), strong; signs with ops-2; also accepts ops-1',
    });
    expect(row(run.stdout, 'redis').detail).toMatch(
      /^redis:\/\/.+, Redis \d+\.\d+\.\d+, round trip [\d.]+ ms$/,
    );
    expect(row(run.stdout, 'redis clock')).toMatchObject({ verdict: 'ok' });
    expect(row(run.stdout, 'redis clock').detail).toMatch(
      /^skew [+-]?[\d.]+ ms \(±[\d.]+\) against the server clock/,
    );
    expect(row(run.stdout, 'postgres').detail).toMatch(/PostgreSQL \d+/);
    expect(row(run.stdout, 'postgres clock').verdict).toBe('ok');
    expect(row(run.stdout, 'lock file')).toEqual({
      verdict: 'ok',
      detail: 'examples/chat/generated is up to date (8 files)',
    });
    expect(row(run.stdout, 'otlp').verdict).toBe('ok');
    expect(otlpPaths).toContain('POST /v1/traces');
    expect(run.stdout).toMatch(/^8 ok, 0 warn, 0 fail, 0 skipped$/m);
  });

  it('fails with exit 1 when the configured Redis stops, and says so', async () => {
    const server = await startRedisServer();
    try {
      const env = { HERALD_KEYS: KEYS, REDIS_URL: server.url };
      const up = await herald(['doctor', '--transport', 'redis', '--json'], env);
      expect(up.code, up.stdout).toBe(0);
      const lines = up.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.find((l) => l.check === 'redis')).toMatchObject({
        verdict: 'ok',
        figures: { version: expect.stringMatching(/^Redis /) },
      });
      expect(lines.find((l) => l.check === 'redis clock').figures.skewMs).toEqual(
        expect.any(Number),
      );
      expect(lines.map((l) => l.check)).not.toContain('postgres');

      await server.stop();
      const down = await herald(['doctor', '--transport', 'redis'], env);
      expect(down.code).toBe(1);
      expect(row(down.stdout, 'redis').verdict).toBe('fail');
      expect(row(down.stdout, 'redis').detail).toContain('not reachable');
      expect(down.stdout).toContain(
        'hint: start the server or fix the URL (REDIS_URL, --redis-url)',
      );
      expect(row(down.stdout, 'transport')).toEqual({
        verdict: 'fail',
        detail: 'no transport answers (redis)',
      });
    } finally {
      await server.stop();
    }
  });

  it('fails on stale generated code, weak or missing keys, and a dead OTLP endpoint', async () => {
    const out = join(tmp, 'generated');
    await cp(join(ROOT, 'examples/chat/generated'), out, { recursive: true });
    await writeFile(join(out, 'client.ts'), '// edited by hand\n');
    const dead = await freePort();
    const stale = await herald(
      [
        'doctor',
        '--registry',
        'examples/chat/registry.ts',
        '--out',
        out,
        '--herald',
        '../../../src',
      ],
      {
        HERALD_KEYS: 'k1=hex:00112233',
        REDIS_URL: redis.url,
        DATABASE_URL: postgres.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}`,
      },
    );
    expect(stale.code).toBe(1);
    expect(row(stale.stdout, 'lock file').verdict).toBe('fail');
    expect(row(stale.stdout, 'lock file').detail).toContain('is out of date');
    expect(row(stale.stdout, 'lock file').detail).toContain('client.ts');
    expect(row(stale.stdout, 'keys').verdict).toBe('fail');
    expect(row(stale.stdout, 'keys').detail).toMatch(/^HERALD_KEYS: .*k1/);
    expect(stale.stdout).not.toContain('00112233');
    expect(row(stale.stdout, 'otlp').verdict).toBe('fail');
    expect(row(stale.stdout, 'otlp').detail).toContain('ECONNREFUSED');

    const missing = await herald(['doctor'], { REDIS_URL: redis.url, DATABASE_URL: postgres.url });
    expect(missing.code).toBe(1);
    expect(row(missing.stdout, 'keys')).toEqual({
      verdict: 'fail',
      detail: 'HERALD_KEYS is not set',
    });
    expect(row(missing.stdout, 'lock file').verdict).toBe('skip');
    expect(row(missing.stdout, 'otlp')).toEqual({
      verdict: 'skip',
      detail: 'OTEL_EXPORTER_OTLP_ENDPOINT is not set',
    });
  });
});
