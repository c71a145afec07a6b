/**
 * The packed tarball, installed as a user installs it: `npm install <tarball> @sinclair/typebox`
 * into throw-away projects (NodeNext ESM, bundler resolution, CommonJS, and TypeScript compiled
 * to CommonJS), each type-checked with `skipLibCheck: false` and run. Also: the install weight,
 * publint and arethetypeswrong on the tarball, the optional peers refused with their install
 * hints and working once installed, and `herald/otel` on the current and the previous
 * OpenTelemetry SDK lines, each installed from its lock file (test/package/fixtures/otel-*).
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startReceiver } from '../../examples/tracing/receiver.js';
import { requireRedis } from '../support/services.js';
import {
  createProject,
  installedPackages,
  npmInstall,
  ok,
  packHerald,
  ROOT,
  run,
  sizeOf,
  tempDir,
  tsc,
} from './project.js';

/** The limits issue 15 set: TypeBox alone is most of it. */
const MAX_PACKAGES = 8;
const MAX_BYTES = 12_000_000;
const redis = await requireRedis();
const node = process.execPath;
const bin = (name: string) => join(ROOT, 'node_modules', name);

const work = tempDir('package');
let tarball = '';
let app = '';

/** Runs a program of the project and parses the JSON line it prints last. */
async function runJson(
  args: readonly string[],
  cwd: string,
  env = {},
): Promise<Record<string, unknown>> {
  const ran = ok(await run(node, args, cwd, env, 60_000), `node ${args.join(' ')}`);
  const last = ran.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

beforeAll(async () => {
  tarball = await packHerald(work);
  app = createProject(join(work, 'app'));
  await npmInstall(app, [tarball, '@sinclair/typebox']);
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the tarball installed with TypeBox alone', { timeout: 120_000 }, () => {
  it(`installs at most ${MAX_PACKAGES} packages and ${MAX_BYTES / 1e6} MB`, () => {
    const packages = installedPackages(app);
    const bytes = sizeOf(join(app, 'node_modules'));
    console.log(`installed: ${packages.length} packages, ${(bytes / 1e6).toFixed(2)} MB`);
    expect(packages.length).toBeLessThanOrEqual(MAX_PACKAGES);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(packages.sort()).toEqual(['@opentelemetry/api', '@sinclair/typebox', 'herald']);
  });

  it('has no install script, a LICENSE, and no source map that points at missing sources', () => {
    const dir = join(app, 'node_modules/herald');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
      expect(pkg.scripts?.[hook], hook).toBeUndefined();
    }
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    const files = readdirSync(dir, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const js = files.filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(50);
    expect(
      js.filter((f) => readFileSync(join(dir, f), 'utf8').includes('sourceMappingURL')),
    ).toEqual([]);
  });

  it('runs an ESM app, and refuses each missing optional peer with its install hint', async () => {
    const result = await runJson(['run.mjs'], app);
    expect(result.local).toBe('hello');
    expect(result.testKeys).toBe(1);
    expect(result.redis).toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      hint: 'npm install ioredis',
    });
    expect(result.postgres).toMatchObject({ code: 'CONFIG_INVALID', hint: 'npm install pg' });
    expect(result.otel).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((result.otel as { hint: string }).hint).toMatch(
      /^npm install @opentelemetry\/sdk-trace .*@opentelemetry\/exporter-trace-otlp-http/,
    );
  });

  it('runs a CommonJS app that requires herald', async () => {
    const result = await runJson(['cjs/run.cjs'], app);
    expect(result).toEqual({ received: 'hello from require', testKeys: 1 });
  });

  it('type-checks every subpath with skipLibCheck false, under NodeNext and bundler resolution', async () => {
    for (const project of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
      const ran = await tsc(app, project);
      expect(`${ran.stdout}${ran.stderr}`, project).toBe('');
      expect(ran.code, project).toBe(0);
    }
  });

  it('type-checks, compiles and runs a TypeScript project built as CommonJS (module node16)', async () => {
    const ran = await tsc(join(app, 'cjs'), 'tsconfig.json');
    expect(`${ran.stdout}${ran.stderr}`).toBe('');
    expect(await runJson(['cjs/out/check.js'], app)).toEqual({
      received: 'typed from CommonJS',
      redis: 'CONFIG_INVALID',
    });
  });

  it('generates code from a JavaScript registry without tsx, and asks for tsx for a TypeScript one', async () => {
    const herald = join(app, 'node_modules/.bin/herald');
    ok(
      await run(herald, ['codegen', '--registry', 'registry.mjs', '--out', 'gen'], app),
      'codegen',
    );
    expect(existsSync(join(app, 'gen/client.ts'))).toBe(true);
    const refused = await run(
      herald,
      ['codegen', '--registry', 'registry.ts', '--out', 'gen-ts'],
      app,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/tsx/);
    expect(refused.stderr).toMatch(/npm install --save-dev tsx/);
  });

  it('passes publint and arethetypeswrong for every subpath', async () => {
    const lint = await run(node, [bin('publint/src/cli.js'), 'run', tarball, '--strict'], work);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toMatch(/All good/);
    // node16 profile: every subpath from ESM, from CommonJS and with bundlers; not the legacy
    // node10 resolution, which ignores `exports` (README: install, TypeScript settings).
    const attw = await run(
      node,
      [
        bin('@arethetypeswrong/cli/dist/index.js'),
        tarball,
        '--profile',
        'node16',
        '--format',
        'json',
      ],
      work,
    );
    expect(attw.code, attw.stdout.slice(0, 2000) + attw.stderr).toBe(0);
    const report = JSON.parse(attw.stdout) as {
      analysis: {
        entrypoints: Record<string, unknown>;
        problems: { kind: string; resolutionKind?: string }[];
      };
    };
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(
      [
        '.',
        './browser',
        './browser/checks',
        './catalog',
        './codegen',
        './gateway',
        './internal',
        './nats',
        './ops',
        './otel',
        './package.json',
        './postgres',
        './redis',
        './schema-tools',
        './testing',
        './testing/conformance',
      ].sort(),
    );
    expect(report.analysis.problems.filter((p) => p.resolutionKind !== 'node10')).toEqual([]);
  });
});

describe('the tarball with its optional peers installed', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await npmInstall(app, ['ioredis', 'pg']);
  }, 300_000);

  it('creates Redis and PostgreSQL transports, and exchanges a message over Redis', async () => {
    const result = await runJson(['run.mjs'], app, redis.ok ? { REDIS_URL: redis.url } : {});
    expect(result.redis).toBeNull();
    expect(result.postgres).toBeNull();
    if (redis.ok) expect(result.overRedis).toBe('hello');
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.each(['otel-current', 'otel-previous'])(
  'herald/otel on the SDK line of %s',
  { timeout: 60_000 },
  (line) => {
    let dir = '';
    let receiver: OtlpReceiver;
    beforeAll(async () => {
      dir = join(work, line);
      cpSync(join(ROOT, 'test/package/fixtures', line), dir, { recursive: true });
      cpSync(join(ROOT, 'test/package/fixtures/app/otel-check.mjs'), join(dir, 'otel-check.mjs'));
      ok(await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir), 'npm ci');
      // Herald joins the locked SDK packages; its wide optional peer ranges must not conflict.
      await npmInstall(dir, ['--no-save', tarball, '@sinclair/typebox']);
      receiver = await startReceiver();
    }, 300_000);
    afterAll(async () => {
      await receiver?.close();
    });

    it('exports the span of the handler that shuts OpenTelemetry down', async () => {
      const result = await runJson(['otel-check.mjs', 'export', receiver.url], dir);
      expect(result.threw).toBeNull();
      const spans = await receiver.waitFor(
        (all) => all.filter((s) => s.traceId === result.traceId).length >= 2,
        10_000,
      );
      const names = spans.filter((s) => s.traceId === result.traceId).map((s) => s.name);
      expect(names.sort()).toEqual(['process job:{jobId}', 'publish job:{jobId}']);
    });

    it('shuts down without a receiver: no throw, in bounded time, the failure logged', async () => {
      const port = await closedPort();
      const started = Date.now();
      const result = await runJson(['otel-check.mjs', 'down', `http://127.0.0.1:${port}`], dir);
      expect(result.threw).toBeNull();
      // exportTimeoutMs is 1000: shutdown is bounded by it plus a second.
      expect(result.shutdownMs as number).toBeLessThan(2500);
      expect((result.logged as string[]).join('\n')).toMatch(
        new RegExp(`exporting spans to http://127\\.0\\.0\\.1:${port}/v1/traces failed`),
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  },
);
