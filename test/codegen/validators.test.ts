import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validators } from '../../examples/chat/generated/validators.js';
import { registry } from '../../examples/chat/registry.js';
import { samples } from './chat.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

const events = registry.entries.flatMap((topic) =>
  [...topic.events.values()].map((ev) => ({
    key: `${topic.key}.${ev.name}@${ev.def.version}`,
    name: ev.name as keyof typeof samples,
    schema: ev.def.schema as TSchema,
  })),
);

const WRONG_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  4,
  '',
  'x',
  '2024-13-01T00:00:00Z',
  true,
  [],
  {},
];

/** The valid sample, then one variant per dropped field, wrong value and extra field. */
function variants(sample: Record<string, unknown>): unknown[] {
  const out: unknown[] = [sample, null, [], 'text', { ...sample, extra: 1 }];
  for (const field of Object.keys(sample)) {
    const { [field]: _dropped, ...rest } = sample;
    out.push(rest);
    for (const wrong of WRONG_VALUES) out.push({ ...sample, [field]: wrong });
  }
  return out;
}

describe('generated validators', () => {
  it('cover every event of the registry under the key the bus reads', () => {
    expect(Object.keys(validators).sort()).toEqual(events.map((e) => e.key).sort());
    expect(Object.keys(validators)).toContain('user.notification@2');
  });

  it.each(events)(
    'agree with Value.Check on valid and broken samples of $key',
    ({ key, name, schema }) => {
      const check = validators[key]!;
      const all = variants(samples[name] as unknown as Record<string, unknown>);
      expect(check(all[0])).toBe(true);
      let rejected = 0;
      for (const value of all) {
        const expected = Value.Check(schema, value);
        expect({ value, result: check(value) }).toEqual({ value, result: expected });
        if (!expected) rejected++;
      }
      expect(rejected).toBeGreaterThan(all.length / 2);
    },
  );

  it.each(events)('agree with Value.Check on random values for $key', ({ key, schema }) => {
    const check = validators[key]!;
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue()), (value) => {
        expect(check(value)).toBe(Value.Check(schema, value));
      }),
      { numRuns: 300 },
    );
  });

  it('check date-time formats by RFC 3339, leap days included', () => {
    const check = validators['room.message@1']!;
    const at = (sentAt: string) => check({ ...samples.message, sentAt });
    expect(at('2024-02-29T23:59:59Z')).toBe(true);
    expect(at('2024-02-29T23:59:59.123+05:30')).toBe(true);
    expect(at('2023-02-29T12:00:00Z')).toBe(false);
    expect(at('2024-02-28 noon')).toBe(false);
    expect(at('2024-02-28T12:00:00')).toBe(false);
  });

  it('check integers and their bounds', () => {
    const check = validators['team.announcement@1']!;
    const with_ = (priority: unknown) => check({ ...samples.announcement, priority });
    expect([1, 2, 3].map(with_)).toEqual([true, true, true]);
    expect([0, 4, 1.5, '1', Number.NaN].map(with_)).toEqual([false, false, false, false, false]);
  });

  it('check uniqueItems with hashed values', () => {
    const check = validators['team.announcement@1']!;
    expect(check({ ...samples.announcement, tags: ['ops', 'ops'] })).toBe(false);
    expect(check({ ...samples.announcement, tags: ['ops', 'dev'] })).toBe(true);
  });

  it('declare each array item loop once, beside its check', () => {
    const source = readFileSync(`${ROOT}examples/chat/generated/validators.ts`, 'utf8');
    expect(source).not.toContain('((array) =>');
    expect(source).toContain("herald_items_0(value['tags'])");
    const check = validators['team.announcement@1']!;
    expect(check({ ...samples.announcement, tags: ['ops', ''] })).toBe(false);
    expect(check({ ...samples.announcement, tags: ['ops', 7] })).toBe(false);
    expect(check({ ...samples.announcement, tags: ['ops', 'x'.repeat(33)] })).toBe(false);
    expect(check({ ...samples.announcement, tags: ['ops', 'x'.repeat(32)] })).toBe(true);
  });

  it('contain no eval or new Function', () => {
    const source = readFileSync(`${ROOT}examples/chat/generated/validators.ts`, 'utf8');
    expect(source).not.toMatch(/\beval\s*\(|new\s+Function|\bFunction\s*\(/);
    expect(source).toContain("format('date-time', value['sentAt'])");
  });

  it('run where code generation from strings is disallowed', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--disallow-code-generation-from-strings',
        '--import',
        'tsx',
        'test/codegen/fixtures/no-eval.ts',
      ],
      { cwd: ROOT },
    );
    expect(JSON.parse(stdout)).toEqual({
      results: {
        message: true,
        typing: true,
        notification: true,
        announcement: true,
        invalid: false,
      },
      // The control: TypeBox's run-time compiler does need eval here.
      compilerBlocked: true,
    });
  });
});
