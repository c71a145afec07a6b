/**
 * Topic templates: `room:{roomId}`, `org:{orgId}:team:{teamId}`.
 *
 * A template is a list of `:`-separated segments (the Phoenix.PubSub convention). Each segment is
 * either a literal (`room`) or a whole-segment parameter (`{roomId}`). The first segment is always
 * a literal, so every topic has a readable root. Parameter values may not contain `:`, so a
 * concrete topic maps back to exactly one set of parameters.
 */
import { ErrorCode, RegistryError } from '../errors.js';
import { IDENTIFIER_PATTERN } from '../rules.js';

/** The parameter names of a template, as a union of string literals. */
export type ParamNames<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P | ParamNames<Rest>
  : never;

/** The set of concrete topic strings a template can produce, as a template literal type. */
export type TopicPattern<T extends string> = T extends `${infer Head}{${string}}${infer Rest}`
  ? `${Head}${string}${TopicPattern<Rest>}`
  : T;

/** One parsed segment of a template. */
export type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string };

/** A parsed, checked template. */
export interface ParsedTemplate {
  readonly template: string;
  readonly segments: readonly Segment[];
  readonly params: readonly string[];
}

const LITERAL = /^[A-Za-z0-9_.-]+$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Longest parameter value accepted in a topic, in characters. */
export const MAX_PARAM_LENGTH = 200;

/** Parses a template, throwing a {@link RegistryError} that says what to fix. */
export function parseTemplate(template: string): ParsedTemplate {
  const fail = (why: string, hint: string): never => {
    throw new RegistryError(ErrorCode.RegistryInvalid, `topic template "${template}" ${why}`, {
      topic: template,
      hint,
    });
  };
  if (typeof template !== 'string' || template.length === 0) {
    fail('is empty', 'write a template such as "room:{roomId}"');
  }
  const parts = template.split(':');
  const segments: Segment[] = [];
  const params: string[] = [];
  parts.forEach((part, index) => {
    if (part.length === 0) {
      fail(`has an empty segment at position ${index + 1}`, 'remove the doubled or trailing ":"');
    }
    if (part.includes('{') || part.includes('}')) {
      const name = part.slice(1, -1);
      if (!part.startsWith('{') && part.indexOf('{') > 0) {
        fail(
          `mixes a parameter into the segment "${part}"`,
          'parameters must be whole segments: write "user:{id}", not "user_{id}"',
        );
      }
      if (!part.startsWith('{') || !part.endsWith('}') || !IDENTIFIER_PATTERN.test(name)) {
        fail(
          `has a malformed parameter "${part}"`,
          'a parameter is a whole segment "{name}" where name is an identifier, e.g. "room:{roomId}"',
        );
      }
      if (index === 0) {
        fail('starts with a parameter', 'begin with a literal root, e.g. "user:{userId}"');
      }
      if (params.includes(name)) {
        fail(`repeats the parameter "${name}"`, 'give each parameter a distinct name');
      }
      params.push(name);
      segments.push({ kind: 'param', name });
      return;
    }
    if (!LITERAL.test(part)) {
      fail(
        `has the segment "${part}" with characters outside [A-Za-z0-9_.-]`,
        'use letters, digits, "_", "." or "-" in literal segments',
      );
    }
    segments.push({ kind: 'literal', value: part });
  });
  return { template, segments, params };
}

/** True when some concrete topic could match both templates. */
export function templatesOverlap(a: ParsedTemplate, b: ParsedTemplate): boolean {
  if (a.segments.length !== b.segments.length) return false;
  return a.segments.every((segment, i) => {
    const other = b.segments[i]!;
    return (
      segment.kind === 'param' ||
      other.kind === 'param' ||
      (segment.kind === 'literal' && other.kind === 'literal' && segment.value === other.value)
    );
  });
}

/** Why a parameter value cannot go into a topic, or undefined when it can. */
export function paramValueProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_PARAM_LENGTH) return `is longer than ${MAX_PARAM_LENGTH} characters`;
  if (value.includes(':')) return 'contains ":" (the topic separator)';
  // `{name}` is how a template names a parameter: a topic holding one would be its template.
  if (value.startsWith('{') && value.endsWith('}'))
    return 'is written "{...}" (a template parameter)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains a control character';
  // Channel names travel as UTF-8 (Redis, PostgreSQL): a lone surrogate would become U+FFFD, so
  // two different topics would share one channel.
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate (not well-formed Unicode)';
  return undefined;
}

/** Fills a parsed template with already-stringified parameter values. */
export function formatTopic(
  parsed: ParsedTemplate,
  values: Readonly<Record<string, string>>,
): string {
  let out = '';
  for (let i = 0; i < parsed.segments.length; i++) {
    const segment = parsed.segments[i]!;
    if (i > 0) out += ':';
    out += segment.kind === 'literal' ? segment.value : values[segment.name];
  }
  return out;
}

/** Splits a concrete topic against a template; undefined when it does not match. */
export function matchTopic(
  parsed: ParsedTemplate,
  topic: string,
): Record<string, string> | undefined {
  const parts = topic.split(':');
  if (parts.length !== parsed.segments.length) return undefined;
  const values: Record<string, string> = Object.create(null);
  for (let i = 0; i < parts.length; i++) {
    const segment = parsed.segments[i]!;
    const part = parts[i]!;
    if (segment.kind === 'literal') {
      if (segment.value !== part) return undefined;
    } else {
      if (paramValueProblem(part) !== undefined) return undefined;
      values[segment.name] = part;
    }
  }
  return values;
}
