/**
 * The compatibility gate on the fixture project (`fixture/orders.ts` with its committed
 * `fixture/generated/herald.lock.json`): `herald schemas check` and `herald codegen [--check]`
 * fail with a readable diff on a breaking change, and pass once the change comes with a new
 * version and an upcaster. Plus `checkAgainstLock` on changes the fixture does not cover.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLock } from '../../codegen/emit/lock.js';
import { checkAgainstLock } from '../../codegen/gate.js';
import { formatReport } from '../../codegen/gate-report.js';
import { parseLock } from '../../codegen/lock-read.js';
import { defineTopics, event, topic } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = 'test/schema-evolution/fixture';
const LOCK = `${FIXTURE}/generated/herald.lock.json`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function herald(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'codegen/cli.ts', ...args],
      { cwd: ROOT },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'herald-gate-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('herald schemas check on the fixture project', { timeout: 90_000 }, () => {
  it('passes on the committed registry', async () => {
    const run = await herald(
      'schemas',
      'check',
      '--registry',
      `${FIXTURE}/orders.ts`,
      '--lock',
      LOCK,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`herald schemas check: compatible with ${LOCK}\n`);
  });

  it('fails with a readable diff when version 1 changes in place', async () => {
    const run = await herald(
      'schemas',
      'check',
      '--registry',
      `${FIXTURE}/changes/breaking.ts`,
      '--lock',
      LOCK,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        `herald schemas check: 1 breaking change against ${LOCK}`,
        '',
        'order:{orderId} status_updated (BACKWARD_TRANSITIVE)',
        '  BREAKING: version 1 changed without a new version',
        '      + /properties/carrier {"type":"string"}',
        '      ~ /required ["orderId","status"] → ["orderId","status","carrier"]',
        '    hint: a version number names one schema forever: declare the change as version 2 with .evolve(schema, { upcast })',
        '',
      ].join('\n'),
    );
  });

  it('fails when a new version cannot read the old one and has no upcaster, or old readers cannot read it', async () => {
    const run = await herald(
      'schemas',
      'check',
      '--registry',
      `${FIXTURE}/changes/narrowed.ts`,
      '--lock',
      LOCK,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`herald schemas check: 2 breaking changes against ${LOCK}`);
    expect(run.stderr).toContain(
      [
        '  BREAKING: version 2 cannot read data written with version 1 (backward, required by BACKWARD_TRANSITIVE)',
        '      /note: reader allows at most 100 characters; writer allows 200',
      ].join('\n'),
    );
    expect(run.stderr).toContain(
      [
        'order:{orderId} cancelled (FULL)',
        '  BREAKING: version 1 cannot read data written with version 2 (forward, required by FULL)',
        `      /refunded: writer sends "refunded"; the reader's closed object refuses it (additionalProperties: false)`,
      ].join('\n'),
    );
  });

  it('passes once the change comes as version 2 with an upcaster', async () => {
    const run = await herald(
      'schemas',
      'check',
      '--registry',
      `${FIXTURE}/changes/bumped.ts`,
      '--lock',
      LOCK,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`herald schemas check: compatible with ${LOCK} (1 note)`);
    expect(run.stdout).toContain('  note: new version 2');
  });

  it('explains a missing lock and a lock of the old format', async () => {
    const missing = await herald(
      'schemas',
      'check',
      '--registry',
      `${FIXTURE}/orders.ts`,
      '--lock',
      join(tmp, 'none.json'),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found');
    expect(() => parseLock('{"lockVersion":1,"topics":{}}', 'old.json')).toThrow(/format 1/);
  });
});

describe('herald codegen runs the gate', { timeout: 90_000 }, () => {
  const codegen = (registry: string, out: string, ...extra: string[]) =>
    herald(
      'codegen',
      '--registry',
      `${FIXTURE}/${registry}`,
      '--out',
      out,
      '--herald',
      '../../../../src',
      ...extra,
    );

  it('--check fails on a breaking change, and writing refuses it', async () => {
    const out = join(tmp, 'breaking');
    await cp(join(ROOT, FIXTURE, 'generated'), out, { recursive: true });
    const check = await codegen('changes/breaking.ts', out, '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('BREAKING: version 1 changed without a new version');
    const write = await codegen('changes/breaking.ts', out);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('not writing');
    expect(await readFile(join(out, 'herald.lock.json'), 'utf8')).toBe(
      await readFile(join(ROOT, LOCK), 'utf8'),
    );
    const forced = await codegen('changes/breaking.ts', out, '--allow-breaking');
    expect(forced.code).toBe(0);
  });

  it('writes the bumped registry, whose lock then carries both versions and passes --check', async () => {
    const out = join(tmp, 'bumped');
    await cp(join(ROOT, FIXTURE, 'generated'), out, { recursive: true });
    const write = await codegen('changes/bumped.ts', out);
    expect(write.code).toBe(0);
    const lock = parseLock(await readFile(join(out, 'herald.lock.json'), 'utf8'), 'lock');
    const status = lock.topics['order:{orderId}']!.events.status_updated!;
    expect(status.versions.map((v) => [v.version, v.upcast])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(
      await readFile(join(out, 'schemas/order.status_updated.v1.schema.json'), 'utf8'),
    ).toContain('"x-herald-version": 1');
    const checks = await readFile(join(out, 'validators.ts'), 'utf8');
    expect(checks).toMatch(
      /'order\.status_updated@1': check\$order\$status_updated\$v1\([a-z, ]*\),/,
    );
    expect(checks).toMatch(
      /'order\.status_updated@2': check\$order\$status_updated\$v2\([a-z, ]*\),/,
    );
    expect((await codegen('changes/bumped.ts', out, '--check')).code).toBe(0);
    // And the old registry against the new lock: version 2 would disappear.
    const back = await herald(
      'schemas',
      'check',
      '--registry',
      `${FIXTURE}/orders.ts`,
      '--lock',
      join(out, 'herald.lock.json'),
    );
    expect(back.code).toBe(1);
    expect(back.stderr).toContain('version 2 was removed, but it is newer than the latest (1)');
  });
});

describe('checkAgainstLock', () => {
  const V1 = Type.Object({ id: Type.String(), note: Type.Optional(Type.String()) });
  const V2 = Type.Object({ id: Type.String() }, { additionalProperties: false });
  const make = (e: ReturnType<typeof event>, extra = {}) =>
    defineTopics({ item: topic('item:{id}', { events: { changed: e, ...extra } }) });
  const lockOf = (registry: ReturnType<typeof make>) => buildLock(registry);

  it('refuses dropping version 1 under BACKWARD_TRANSITIVE when the latest cannot read it directly', () => {
    const before = make(event(V1).evolve(V2, { upcast: ({ id }) => ({ id }) }));
    const after = make(event(V2, { version: 2 }));
    const report = checkAgainstLock(lockOf(before), after);
    expect(report.ok).toBe(false);
    expect(formatReport(report, 'lock')).toContain(
      'BREAKING: version 2 cannot read data written with version 1 (backward, required by BACKWARD_TRANSITIVE)',
    );
  });

  it('allows dropping it under BACKWARD, which only asks for the previous version', () => {
    const V3 = Type.Object(
      { id: Type.String(), tag: Type.Optional(Type.String()) },
      { additionalProperties: false },
    );
    const before = make(
      event(V1, { compatibility: 'BACKWARD' })
        .evolve(V2, { upcast: ({ id }) => ({ id }) })
        .evolve(V3),
    );
    const after = make(event(V2, { version: 2, compatibility: 'BACKWARD' }).evolve(V3));
    const report = checkAgainstLock(lockOf(before), after);
    expect(report.findings.filter((f) => f.breaking)).toEqual([]);
    expect(report.findings.map((f) => f.message)).toContain(
      'version 1 no longer declared: consumers read it directly or refuse it',
    );
  });

  it('refuses removing an upcaster that a backward step needs', () => {
    const before = make(event(V1).evolve(V2, { upcast: ({ id }) => ({ id }) }));
    const after = make(event(V1).evolve(V2, { upcast: undefined as never }));
    expect(checkAgainstLock(lockOf(before), after).ok).toBe(false);
  });

  it('refuses removing an event under a backward mode, and notes it under FORWARD', () => {
    const other = { other: event(V1) };
    const withBoth = make(event(V1), other);
    const without = defineTopics({ item: topic('item:{id}', { events: other }) });
    const removed = checkAgainstLock(lockOf(withBoth), without);
    expect(removed.findings).toEqual([
      expect.objectContaining({
        breaking: true,
        event: 'changed',
        message: expect.stringContaining('event removed under BACKWARD_TRANSITIVE'),
      }),
    ]);
    const forward = make(event(V1, { compatibility: 'FORWARD' }), other);
    expect(checkAgainstLock(lockOf(forward), without).ok).toBe(true);
  });

  it('reports a narrowed topic parameter as breaking and a description change as a note', () => {
    const reg = (param: ReturnType<typeof Type.String>, description: string) =>
      defineTopics({
        item: topic('item:{id}', {
          params: { id: param },
          events: { changed: event(Type.Object({ id: Type.String({ description }) })) },
        }),
      });
    const before = lockOf(reg(Type.String(), 'old'));
    const report = checkAgainstLock(before, reg(Type.String({ maxLength: 8 }), 'new'));
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => [f.breaking, f.message])).toEqual([
      [true, 'parameter "id" changed: nodes on either side would refuse topics the other builds'],
      [false, 'version 1: annotations changed'],
    ]);
  });
});
