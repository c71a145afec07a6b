/**
 * Topic parameters, both ways: typed values checked and stringified into a concrete topic
 * (`registry.topic`), and a concrete topic's strings checked against the parameter schemas
 * (`registry.resolve`). A parameter value never contains `:` (docs/registry.md).
 */
import { ErrorCode, ValidationError } from '../errors.js';
import type { TopicEntry } from './registry-types.js';
import { paramValueProblem } from './template.js';
import { describeIssues, listIssues } from './validator.js';

/** Whether a concrete topic's parameter strings are values of the declared schemas. */
export function paramsValid(entry: TopicEntry, values: Record<string, string>): boolean {
  for (const [name, validator] of entry.paramValidators) {
    const raw = values[name]!;
    const type = validator.schema.type;
    const value = type === 'integer' || type === 'number' ? Number(raw) : raw;
    if (!validator.check(value) || (typeof value === 'number' && String(value) !== raw))
      return false;
  }
  return true;
}

/** Checks typed parameters against their schemas and stringifies them for the topic. */
export function stringifyParams(
  entry: TopicEntry,
  params: Record<string, unknown>,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const template = entry.def.template;
  if (typeof params !== 'object' || params === null) {
    throw new ValidationError(
      ErrorCode.InvalidParams,
      `topic "${template}" needs parameters ${entry.parsed.params.join(', ')}`,
      [],
      {
        topic: template,
        hint: `pass an object such as { ${entry.parsed.params.map((p) => `${p}: ...`).join(', ')} }`,
      },
    );
  }
  for (const name of Object.keys(params)) {
    if (!entry.parsed.params.includes(name)) {
      throw new ValidationError(
        ErrorCode.InvalidParams,
        `topic "${template}" has no parameter "${name}"`,
        [],
        {
          topic: template,
          field: name,
          hint: `its parameters are: ${entry.parsed.params.join(', ') || '(none)'}`,
        },
      );
    }
  }
  for (const [name, validator] of entry.paramValidators) {
    const value = params[name];
    if (value === undefined) {
      throw new ValidationError(
        ErrorCode.InvalidParams,
        `topic "${template}" is missing the parameter "${name}"`,
        [],
        {
          topic: template,
          field: name,
          hint: `pass { ${name}: ... }`,
        },
      );
    }
    if (!validator.check(value)) {
      const issues = listIssues(validator.schema, value).map((issue) => ({
        ...issue,
        path: `/${name}${issue.path}`,
      }));
      throw new ValidationError(
        ErrorCode.InvalidParams,
        `parameter "${name}" of topic "${template}" is invalid: ${describeIssues(issues).replace(`/${name} `, '')}`,
        issues,
        {
          topic: template,
          field: name,
          hint: 'check the parameter against the schema declared in the registry',
        },
      );
    }
    const text = String(value);
    const problem = paramValueProblem(text);
    if (problem !== undefined) {
      throw new ValidationError(
        ErrorCode.InvalidParams,
        `parameter "${name}" of topic "${template}" ${problem}`,
        [],
        {
          topic: template,
          field: name,
          hint: 'topic parameters must be non-empty, at most 200 characters, without ":" or control characters',
        },
      );
    }
    out[name] = text;
  }
  return out;
}
