/**
 * `herald codegen --watch` (a spawned process that regenerates when the registry file changes),
 * draft versions through the gate and the bus, and generated code under `noUnusedLocals` /
 * `noUnusedParameters`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLock, checkAgainstLock, type Lock } from '../../codegen/index.js';
import { createBus, defineTopics, event, isHeraldError, topic } from '../../src/index.js';
import { herald, ROOT, spawnHerald } from './run-cli.js';

const run = promisify(execFile);

// Inside the repository (under the ignored .tmp/), so the registry resolves TypeBox and Herald.
const DIR = join(ROOT, '.tmp', `watch-${process.pid}`);
const registrySource = (field: string): string => `import { Type } from '@sinclair/typebox';
import { defineTopics, event, topic } from '../../src/index.js';

export const registry = defineTopics({
  note: topic('note:{id}', {
    events: {
      added: event(Type.Object({ ${field}: Type.String() }), { draft: true }),
    },
  }),
});
`;

beforeAll(async () => {
  await mkdir(DIR, { recursive: true });
});
afterAll(async () => {
  await rm(DIR, { recursive: true, force: true });
});

describe('herald codegen --watch', { timeout: 120_000 }, () => {
  it('regenerates when the registry file changes, and exits 0 on SIGINT', async () => {
    const registry = join(DIR, 'registry.ts');
    const out = join(DIR, 'generated');
    await writeFile(registry, registrySource('title'));
    const watcher = spawnHerald(['codegen', '--watch', '--registry', registry, '--out', out]);
    try {
      await watcher.waitFor(/watching .* for changes/, { stream: 'stderr', timeoutMs: 60_000 });
      expect(watcher.lines[0]).toMatch(/: 5 written, 0 unchanged$/);
      expect(await readFile(join(out, 'herald.lock.json'), 'utf8')).toContain('"title"');

      // A change of a draft's schema: the gate lets it through, the output follows.
      const before = watcher.lines.length;
      await writeFile(registry, registrySource('heading'));
      await watcher.waitFor(/registry\.ts changed/, { timeoutMs: 60_000, from: before });
      await watcher.waitFor(/: [1-9] written, \d unchanged$/, { timeoutMs: 60_000, from: before });
      const lock = await readFile(join(out, 'herald.lock.json'), 'utf8');
      expect(lock).toContain('"heading"');
      expect(lock).not.toContain('"title"');
      expect(lock).toContain('"draft": true');

      // A syntax error is reported, and the watcher keeps going.
      await writeFile(registry, 'export const registry = ;\n');
      await watcher.waitFor(/importing .*registry\.ts failed/, {
        stream: 'stderr',
        timeoutMs: 60_000,
      });
      expect(watcher.proc.exitCode).toBeNull();
    } finally {
      watcher.proc.kill('SIGINT');
      expect(await watcher.exited()).toBe(0);
    }
  });

  it('refuses --watch with --check', async () => {
    const result = await herald([
      'codegen',
      '--watch',
      '--check',
      '--registry',
      'x.ts',
      '--out',
      'y',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--watch and --check do not go together');
  });
});

describe('draft versions', () => {
  const V1 = Type.Object({ carrier: Type.String() });
  const registryWith = (v2: ReturnType<typeof Type.Object>, draft: boolean) =>
    defineTopics({
      order: topic('order:{orderId}', {
        events: { shipped: event(V1).evolve(Type.Object({ ...v2.properties }), { draft }) },
      }),
    });
  const narrow = Type.Object({ carrier: Type.Literal('ups') }); // v1 values are not all v2 values
  const wide = Type.Object({ carrier: Type.String(), tracking: Type.Optional(Type.String()) });

  it('are recorded in the lock, and may change freely while they are drafts', () => {
    const lock = buildLock(registryWith(wide, true)) as Lock;
    const versions = lock.topics['order:{orderId}']!.events.shipped!.versions;
    expect(versions.map((v) => [v.version, v.draft])).toEqual([
      [1, undefined],
      [2, true],
    ]);
    // The draft's schema changes, even to one that old readers cannot read: not breaking.
    const changed = checkAgainstLock(lock, registryWith(narrow, true));
    expect(changed.ok).toBe(true);
    const noted = changed.findings.filter((f) => f.message.startsWith('draft version 2:'));
    expect(noted.length).toBeGreaterThan(0);
    expect(noted.every((f) => !f.breaking)).toBe(true);
  });

  it('are checked like any version once released', () => {
    const lock = buildLock(registryWith(wide, true)) as Lock;
    expect(checkAgainstLock(lock, registryWith(narrow, false)).ok).toBe(false);
    expect(checkAgainstLock(lock, registryWith(wide, false)).ok).toBe(true);
    // A released version 2 is then frozen: changing it in place breaks.
    const released = buildLock(registryWith(wide, false)) as Lock;
    expect(released.topics['order:{orderId}']!.events.shipped!.versions[1]).not.toHaveProperty(
      'draft',
    );
    const inPlace = checkAgainstLock(
      released,
      registryWith(Type.Object({ carrier: Type.Number() }), false),
    );
    expect(inPlace.ok).toBe(false);
    expect(
      inPlace.findings.some((f) => f.message === 'version 2 changed without a new version'),
    ).toBe(true);
  });

  it('are published only by a bus that opts in', async () => {
    const keys = {
      keys: [{ kid: 'k', secret: `base64url:${randomBytes(32).toString('base64url')}` }],
    };
    const registry = registryWith(wide, true);
    const strict = createBus({ registry, keys, transport: 'local' });
    const dev = createBus({ registry, keys, transport: 'local', drafts: true });
    await strict.start();
    await dev.start();
    try {
      const error = await strict
        .broadcast('order:ORD-1', 'shipped', { carrier: 'ups' })
        .catch((e: unknown) => e);
      expect(isHeraldError(error) && error.code).toBe('CONFIG_INVALID');
      expect(String((error as Error).message)).toContain('order.shipped@2 is a draft');
      expect((error as { topic?: string }).topic).toBe('order:ORD-1');
      const receipt = await dev.broadcast('order:ORD-1', 'shipped', { carrier: 'ups' });
      expect(receipt.event).toBe('shipped');
    } finally {
      await strict.stop();
      await dev.stop();
    }
  });
});

describe('generated code', { timeout: 180_000 }, () => {
  it('compiles under noUnusedLocals and noUnusedParameters, and starts with the generated-file banner', async () => {
    const folders = [
      'examples/chat/generated',
      'examples/chat-room/generated',
      'examples/tracing/generated',
      'src/catalog/generated',
      'test/schema-evolution/fixture/generated',
    ];
    const config = join(DIR, 'tsconfig.unused.json');
    await writeFile(
      config,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: { noUnusedLocals: true, noUnusedParameters: true, noEmit: true },
        include: folders.map((f) => join(ROOT, f, '*.ts')),
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', config]).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
    for (const folder of folders) {
      for (const file of ['client.ts', 'validators.ts']) {
        const text = await readFile(join(ROOT, folder, file), 'utf8');
        expect(text).toMatch(/^\/\/ Generated by herald codegen from \S+\. Do not edit\.\n/);
      }
    }
  });
});
