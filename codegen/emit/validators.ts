/**
 * Emits `validators.ts`: one precompiled payload check per topic, event and version.
 *
 * Each check is TypeBox's `TypeCompiler.Code` output, wrapped in a factory that receives the
 * free variables that code calls: `format` (Herald's `checkFormat`, so format checks do not
 * depend on what was registered first) and `hash` (TypeBox's `Hash`, for `uniqueItems`). Custom
 * TypeBox kinds (`kind`) are refused. Array item loops are declared once beside their check
 * (src/schemas/hoist-loops.ts), as in the checks compiled at run time. The result is plain code:
 * nothing is evaluated at run time.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Registry } from '../../src/index.js';
import { hoistLoops, TYPESCRIPT } from '../../src/schemas/hoist-loops.js';
import { CodegenError, CodegenErrorCode } from '../errors.js';
import { strictCheckCode } from './check-code.js';
import { banner, doc, indent, quote, renderModule } from './source.js';

/** Where generated code imports Herald from. */
export interface HeraldImports {
  /** The main entry (`herald`). */
  readonly main: string;
  /** The internal entry (`herald/internal`). */
  readonly internal: string;
}

/** The key a precompiled check is stored under: `<topicKey>.<event>@<version>`, as the bus reads it. */
export function validatorKey(topicKey: string, event: string, version: number): string {
  return `${topicKey}.${event}@${version}`;
}

/** Standalone TypeScript for one schema: a function body that returns the check. */
export function checkCode(schema: TSchema, where: string): string {
  let code: string;
  try {
    code = TypeCompiler.Code(schema, { language: 'typescript' });
  } catch (error) {
    throw new CodegenError(
      CodegenErrorCode.UnsupportedSchema,
      `cannot compile the schema of ${where}: ${error instanceof Error ? error.message : String(error)}`,
      { hint: 'payload schemas must be self-contained TypeBox types (no unresolved Type.Ref)' },
    );
  }
  if (/(^|[^\w$.'"])kind\(/m.test(code)) {
    throw new CodegenError(
      CodegenErrorCode.UnsupportedSchema,
      `the schema of ${where} uses a custom TypeBox kind`,
      { hint: 'generated validators support standard TypeBox types; use Type.Unsafe or a format' },
    );
  }
  const strict = strictCheckCode(code);
  // Each array's item loop declared once beside the check, not made anew on every call.
  return hoistLoops(strict, TYPESCRIPT) ?? strict;
}

/** The free variables TypeBox's code may call, and the module-level value each is bound to. */
const FREE = {
  format: {
    type: 'type FormatCheck = (format: string, value: unknown) => boolean;',
    value: [
      doc(["String formats: Herald's checks, independent of TypeBox's FormatRegistry."]),
      'const format: FormatCheck = checkFormat;',
    ].join('\n'),
    param: 'format: FormatCheck',
  },
  hash: {
    type: 'type HashValue = (value: unknown) => bigint;',
    value: [doc(['Value hashes for `uniqueItems`.']), 'const hash: HashValue = Hash;'].join('\n'),
    param: 'hash: HashValue',
  },
} as const;
type Free = keyof typeof FREE;

/** The free variables a check's code calls (`kind` never: {@link checkCode} refuses it). */
function freeVariables(code: string): Free[] {
  return (Object.keys(FREE) as Free[]).filter((name) =>
    new RegExp(`(^|[^\\w$.'"])${name}\\(`, 'm').test(code),
  );
}

/**
 * Emits the validators module. Each factory takes only the free variables its code calls, and
 * the module declares and imports only those some factory uses, so the file compiles under
 * `noUnusedLocals` and `noUnusedParameters`.
 */
export function emitValidators(registry: Registry, herald: HeraldImports, source: string): string {
  const entries: string[] = [];
  const factories: string[] = [];
  const used = new Set<Free>();
  for (const topic of registry.entries) {
    for (const ev of topic.events.values()) {
      // Every declared version: consumers validate older payloads before upgrading them.
      for (const { version, schema } of ev.def.versions) {
        const key = validatorKey(topic.key, ev.name, version);
        const name = `check$${topic.key}$${ev.name}$v${version}`;
        const about = ev.def.description ? `: ${ev.def.description}` : '';
        const code = checkCode(schema, `${topic.key}.${ev.name}@${version}`);
        const free = freeVariables(code);
        for (const f of free) used.add(f);
        factories.push(
          [
            doc([`\`${key}\` on \`${topic.def.template}\`${about}`]),
            `function ${name}(${free.map((f) => FREE[f].param).join(', ')}): CheckFunction {`,
            indent(code),
            '}',
          ].join('\n'),
        );
        entries.push(`  ${quote(key)}: ${name}(${free.join(', ')}),`);
      }
    }
  }
  const free = (Object.keys(FREE) as Free[]).filter((f) => used.has(f));
  return renderModule({
    header: [
      banner(source),
      doc([
        `Precompiled payload checks for ${registry.info.title} ${registry.info.version}.`,
        '',
        'Keyed `<topicKey>.<event>@<version>`, the key `createBus({ validators })` reads. The code',
        "is TypeBox's TypeCompiler output, emitted as source: nothing is evaluated at run time.",
      ]),
    ],
    imports: [
      ...(used.has('hash') ? [`import { Hash } from '@sinclair/typebox/value';`] : []),
      `import type { CheckFunction } from ${quote(herald.main)};`,
      ...(used.has('format') ? [`import { checkFormat } from ${quote(herald.internal)};`] : []),
    ],
    body: [
      free.map((f) => FREE[f].type).join('\n'),
      free.map((f) => FREE[f].value).join('\n'),
      ...factories,
      [
        doc(['Precompiled checks by `<topicKey>.<event>@<version>`; pass them to `createBus`.']),
        'export const validators: Readonly<Record<string, CheckFunction>> = {',
        ...entries,
        '};',
      ].join('\n'),
    ],
  });
}
