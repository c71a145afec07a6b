/**
 * Why a topic or an event name does not resolve, said precisely: a parameter that fails its
 * schema is `INVALID_PARAMS` naming the parameter (as the typed client says it), a typo gets a
 * did-you-mean, and the hint lists the templates or events there are.
 *
 * Only called on the error path: `registry.resolve` stays a cache look-up.
 */
import { ErrorCode, HeraldError, ValidationError } from '../errors.js';
import type { Registry, ResolvedTopic, TopicEntry } from './define.js';
import { matchTopic, paramValueProblem } from './template.js';
import { describeIssues, listIssues } from './validator.js';

/** Levenshtein distance, for did-you-mean on names of at most a few dozen characters. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(row[j - 1]! + 1, previous[j]! + 1, previous[j - 1]! + cost);
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** The closest of `candidates` to `name`, if close enough to be a typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance > 0 && bestDistance <= Math.max(2, Math.floor(name.length / 4))
    ? best
    : undefined;
}

/** A template's literal segments filled with the topic's segments: `order:{id}` vs `ordr:1` → `order:1`. */
function filled(entry: TopicEntry, parts: readonly string[]): string | undefined {
  if (parts.length !== entry.parsed.segments.length) return undefined;
  return entry.parsed.segments
    .map((segment, i) => (segment.kind === 'literal' ? segment.value : parts[i]!))
    .join(':');
}

/** Why the parameter `name` = `raw` of `entry` is refused, or undefined when it is fine. */
function paramProblem(entry: TopicEntry, name: string, raw: string): ValidationError | undefined {
  const validator = entry.paramValidators.get(name);
  if (validator === undefined) return undefined;
  const template = entry.def.template;
  const type = validator.schema.type;
  const numeric = type === 'integer' || type === 'number';
  const value = numeric ? Number(raw) : raw;
  const where = { topic: template, field: name };
  if (numeric && String(value) !== raw) {
    return new ValidationError(
      ErrorCode.InvalidParams,
      `parameter "${name}" of topic "${template}" is "${raw}", not ${type === 'integer' ? 'an integer' : 'a number'}`,
      [{ path: `/${name}`, keyword: String(type), message: `Expected ${type}` }],
      {
        ...where,
        hint: `write the ${type} in canonical form, e.g. "${template.replace(`{${name}}`, '42')}"`,
      },
    );
  }
  if (validator.check(value)) return undefined;
  const issues = listIssues(validator.schema, value).map((issue) => ({
    ...issue,
    path: `/${name}${issue.path}`,
  }));
  return new ValidationError(
    ErrorCode.InvalidParams,
    `parameter "${name}" of topic "${template}" is invalid: "${raw}" ${describeIssues(issues).replace(`/${name} `, '')}`,
    issues,
    { ...where, hint: 'check the parameter against the schema declared in the registry' },
  );
}

/** The error for a topic string that `registry.resolve` refused. */
export function topicError(registry: Registry, topic: unknown): HeraldError {
  const templates = registry.entries.map((e) => e.def.template);
  const list = `declared templates: ${templates.join(', ') || '(none)'}`;
  if (typeof topic !== 'string') {
    return new HeraldError(
      ErrorCode.UnknownTopic,
      `a topic must be a string, not ${typeof topic}`,
      {
        hint: list,
      },
    );
  }
  // The shape matches a template, but a parameter fails: say which, and why.
  for (const entry of registry.entries) {
    const values = matchTopic(entry.parsed, topic);
    if (values === undefined) continue;
    for (const [name, raw] of Object.entries(values)) {
      const problem = paramProblem(entry, name, raw);
      if (problem !== undefined) return problem;
    }
  }
  const parts = topic.split(':');
  for (const entry of registry.entries) {
    const values = parts.length === entry.parsed.segments.length ? filled(entry, parts) : undefined;
    if (values === topic) {
      // Same literals: a parameter value cannot go into a topic (empty, too long, ...).
      const index = entry.parsed.segments.findIndex(
        (s, i) => s.kind === 'param' && paramValueProblem(parts[i]!) !== undefined,
      );
      const segment = entry.parsed.segments[index];
      if (segment?.kind === 'param') {
        return new ValidationError(
          ErrorCode.InvalidParams,
          `parameter "${segment.name}" of topic "${entry.def.template}" ${paramValueProblem(parts[index]!)}`,
          [],
          {
            topic: entry.def.template,
            field: segment.name,
            hint: 'topic parameters must be non-empty, at most 200 characters, without ":" or control characters',
          },
        );
      }
    }
  }
  const suggestion = closest(
    topic,
    registry.entries.map((e) => filled(e, parts)).filter((t): t is string => t !== undefined),
  );
  return new HeraldError(
    ErrorCode.UnknownTopic,
    `"${topic}" matches no topic in the registry${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
    { topic, hint: list },
  );
}

/** The error for an event name the resolved topic does not declare. */
export function eventError(resolved: ResolvedTopic, event: unknown): HeraldError {
  const names = [...resolved.entry.events.keys()];
  const name = String(event);
  const suggestion = typeof event === 'string' ? closest(event, names) : undefined;
  return new HeraldError(
    ErrorCode.UnknownEvent,
    `topic "${resolved.entry.def.template}" has no event "${name}"${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
    { topic: resolved.topic, event: name, hint: `its events: ${names.join(', ')}` },
  );
}
