/**
 * Generated validators of record payloads (`Type.Record`), keyed by a pattern, by any string and
 * by numbers: `herald codegen` output typechecks under the repository's strict settings (TypeBox's
 * record check shadows `value` with an `unknown` entry; the emitter types the entry), and the
 * checks agree with TypeBox's `Value.Check`, a literal that reads like the rewritten code included.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckFunction } from '../../src/index.js';
import { CODE_LIKE_TEXT, registry } from './fixtures/records.js';
import { herald, ROOT } from './run-cli.js';

const run = promisify(execFile);

// Inside the repository (under the ignored .tmp/), so the output resolves TypeBox and Herald.
const DIR = join(ROOT, '.tmp', `records-${process.pid}`);
const OUT = join(DIR, 'generated');

const weighted = (label: string, weight: number) => ({ label, weight });
/** A payload every record of the fixture accepts. */
const valid = {
  scores: { alpha: 1.5, beta: 0 },
  byName: { north: weighted('N', 1), "o'neil": weighted('O', 2) },
  tags: { any: ['a', 'b'], 'two words': [] },
  slots: { 0: weighted('zero', 0), 12: weighted('twelve', 3.5) },
  nested: { AB: { 1: 2, 34: -5 } },
  marker: CODE_LIKE_TEXT,
};
/** One broken payload per kind of record value (number, object, array, nested record, literal). */
const broken: Record<string, unknown> = {
  'a negative score': { ...valid, scores: { alpha: -1 } },
  'a score off the step': { ...valid, scores: { alpha: 0.25 } },
  'an entry without its weight': { ...valid, byName: { north: { label: 'N' } } },
  'an entry with an extra field': { ...valid, slots: { 1: { ...weighted('a', 1), x: 1 } } },
  'a tag too long': { ...valid, tags: { any: ['abcdefghi'] } },
  'a tag that is not a string': { ...valid, tags: { any: [1] } },
  'a nested value that is not an integer': { ...valid, nested: { AB: { 1: 1.5 } } },
  'a nested record that is an array': { ...valid, nested: { AB: [] } },
  'the literal as the old rewrite left it': {
    ...valid,
    marker: CODE_LIKE_TEXT.replace('const value: any of', 'const value of'),
  },
};
const schema = (): TSchema => {
  const ev = registry.entries[0]?.events.get('changed');
  if (ev === undefined) throw new Error('the fixture has no settings.changed event');
  return ev.def.schema as TSchema;
};

beforeAll(async () => {
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  const result = await herald([
    'codegen',
    '--browser',
    '--registry',
    'test/codegen/fixtures/records.ts',
    '--out',
    OUT,
    '--herald',
    '../../../src',
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/: \d+ written/);
}, 120_000);
afterAll(async () => {
  await rm(DIR, { recursive: true, force: true });
});

describe('generated validators of record payloads', { timeout: 180_000 }, () => {
  it('typecheck under strict, noUnusedLocals and noUnusedParameters', async () => {
    const config = join(DIR, 'tsconfig.json');
    await writeFile(
      config,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: { noUnusedLocals: true, noUnusedParameters: true, noEmit: true },
        include: [join(OUT, '*.ts')],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', config]).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('agree with Value.Check on a valid payload and on broken record values', async () => {
    const { validators } = (await import(join(OUT, 'validators.ts'))) as {
      validators: Readonly<Record<string, CheckFunction>>;
    };
    const check = validators['settings.changed@1'];
    expect(check).toBeTypeOf('function');
    expect(Value.Check(schema(), valid)).toBe(true);
    expect(check?.(valid)).toBe(true);
    for (const [what, payload] of Object.entries(broken)) {
      expect(Value.Check(schema(), payload), what).toBe(false);
      expect(check?.(payload), what).toBe(false);
    }
  });
});
