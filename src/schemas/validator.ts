/**
 * Payload validators: a guard, a parser and an error list (the TypeBox `TypeCheck` shape).
 *
 * The hot path calls a compiled check. Generated clients hand in checks precompiled by
 * `herald codegen` (no `eval` at run time); otherwise TypeBox's TypeCompiler builds one on first
 * use, its array loops declared once rather than per check (compile.ts). Error lists come from
 * TypeBox's interpreter (`Value.Errors`), only when a check fails.
 */
import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { ErrorCode, RegistryError, type ValidationIssue } from '../errors.js';
import { checkOf } from './compile.js';
import './formats.js';

/** A compiled boolean check, as emitted by `herald codegen`. */
export type CheckFunction = (value: unknown) => boolean;

/** Checks one schema. */
export interface Validator<T = unknown> {
  readonly schema: TSchema;
  /** True when the value matches the schema. */
  check(value: unknown): value is T;
  /** Every violation (empty when the value matches). */
  errors(value: unknown): ValidationIssue[];
}

/** Longest error list reported for one value. */
const MAX_ISSUES = 20;

/**
 * Lists up to 20 violations of `schema` by `value`, as machine-readable issues. A missing
 * property is one issue (TypeBox also reports the type the absent value does not have), and a
 * union names its allowed values (`Expected one of: "card", "cash"`).
 */
export function listIssues(schema: TSchema, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const missing = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    const keyword = keywordOf(error.schema, error.type);
    if (keyword === 'objectRequiredProperty') missing.add(error.path);
    else if (missing.has(error.path)) continue;
    const message = keyword === 'union' ? unionMessage(error.schema) : error.message;
    issues.push({ path: error.path, keyword, message });
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
}

/** `Expected one of: "a", "b"` for unions of literals, `... string, number` for others. */
function unionMessage(schema: TSchema): string {
  const options: unknown[] = Array.isArray(schema.anyOf) ? schema.anyOf : [];
  if (options.length === 0) return 'Expected union value';
  const names = options.map((option) => {
    const o = option as Partial<Record<string | typeof Kind, unknown>>;
    if ('const' in o) return JSON.stringify(o.const);
    if (typeof o.type === 'string') return o.type;
    return typeof o[Kind] === 'string' ? String(o[Kind]).toLowerCase() : 'schema';
  });
  return `Expected one of: ${[...new Set(names)].join(', ')}`;
}

/**
 * The first issue, and how many more: `/text Expected string (and 2 more)`. Used in error
 * messages; the full list stays in `ValidationError.issues`.
 */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  if (first === undefined) return 'does not match its schema';
  const more = issues.length - 1;
  const count = issues.length >= MAX_ISSUES ? `at least ${more}` : String(more);
  return `${first.path || '/'} ${first.message}${more > 0 ? ` (and ${count} more)` : ''}`;
}

function keywordOf(schema: TSchema, type: number): string {
  // ValueErrorType is a numeric enum; its reverse mapping names the failing rule.
  const name = ValueErrorNames[type];
  if (name) return name;
  return typeof schema.type === 'string' ? schema.type : 'schema';
}

import { ValueErrorType } from '@sinclair/typebox/errors';

const ValueErrorNames: Record<number, string> = Object.fromEntries(
  Object.entries(ValueErrorType)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k.charAt(0).toLowerCase() + k.slice(1)]),
);

/** Where a schema was declared, to name it when TypeBox cannot compile it. */
export interface SchemaSite {
  readonly topic: string;
  readonly event: string;
}

/**
 * Builds a validator; uses `precompiled` when given, else compiles with TypeBox on first use.
 * A schema TypeBox cannot compile (a `Type.Ref` whose target it cannot find) throws a
 * `REGISTRY_INVALID` error naming `site`, not TypeBox's bare message.
 */
export function createValidator<S extends TSchema>(
  schema: S,
  precompiled?: CheckFunction,
  site?: SchemaSite,
): Validator<Static<S>> {
  let check = precompiled;
  return {
    schema,
    check(value: unknown): value is Static<S> {
      if (check === undefined) {
        check = checkOf(compile(schema, site));
      }
      return check(value);
    },
    errors: (value) => listIssues(schema, value),
  };
}

function compile<S extends TSchema>(schema: S, site: SchemaSite | undefined) {
  try {
    return TypeCompiler.Compile(schema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `the payload schema ${site ? `of event "${site.event}" on topic "${site.topic}" ` : ''}cannot be compiled: ${reason}`,
      {
        topic: site?.topic,
        event: site?.event,
        cause: error,
        hint: /dereference/.test(reason)
          ? 'a Type.Ref needs its target in the same schema: inline the referenced schema, or use Type.Recursive for a recursive type'
          : 'build the schema with Type.* functions only',
      },
    );
  }
}
