/**
 * Payload validators: a guard, a parser and an error list (the TypeBox `TypeCheck` shape).
 *
 * The hot path calls a compiled check. Generated clients hand in checks precompiled by
 * `herald codegen` (no `eval` at run time); otherwise TypeBox's TypeCompiler builds one on first
 * use. Error lists come from TypeBox's interpreter (`Value.Errors`), only when a check fails.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { ValidationIssue } from '../errors.js';
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

/** Lists up to 20 violations of `schema` by `value`, as machine-readable issues. */
export function listIssues(schema: TSchema, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    issues.push({
      path: error.path,
      keyword: keywordOf(error.schema, error.type),
      message: error.message,
    });
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
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

/** Builds a validator; uses `precompiled` when given, else compiles with TypeBox. */
export function createValidator<S extends TSchema>(
  schema: S,
  precompiled?: CheckFunction,
): Validator<Static<S>> {
  let check = precompiled;
  return {
    schema,
    check(value: unknown): value is Static<S> {
      if (check === undefined) {
        const compiled = TypeCompiler.Compile(schema);
        check = (v) => compiled.Check(v);
      }
      return check(value);
    },
    errors: (value) => listIssues(schema, value),
  };
}
