/**
 * Publisher scopes: the topics a key may sign for.
 *
 * A scope is a pattern over the `:`-separated segments of a concrete topic (the segments of
 * topic templates):
 *
 * - a literal segment matches that exact segment (`audit`, `node-7`);
 * - `*` matches exactly one segment, whatever its value (`health:*` matches `health:cluster`,
 *   not `health` nor `health:node:n1`);
 * - `**`, allowed only as the last segment, matches zero or more segments (`health:**` matches
 *   `health`, `health:cluster` and `health:node:n1`; `**` alone matches every topic).
 *
 * `*` inside a longer segment (`metr*`) is refused, so a pattern never means two things. A key
 * without scopes may sign any topic; a key with scopes signs only topics some pattern matches.
 */
import { ConfigError } from '../errors.js';

/** A compiled list of scope patterns. */
export interface Scope {
  /** The patterns, as configured. */
  readonly patterns: readonly string[];
  /** True when some pattern matches the concrete topic. */
  allows(topic: string): boolean;
}

type Part = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'one' };
interface Pattern {
  readonly parts: readonly Part[];
  /** Ends with `**`. */
  readonly rest: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

function compile(kid: string, pattern: unknown): Pattern {
  const fail = (why: string): never => {
    throw new ConfigError(`key "${kid}": scope ${JSON.stringify(pattern)} ${why}`, {
      kid,
      hint: 'a scope is topic segments separated by ":", where "*" is one segment and a final "**" any number, e.g. "metrics:*" or "audit:**"',
    });
  };
  if (typeof pattern !== 'string' || pattern.length === 0) return fail('is not a pattern');
  const segments = pattern.split(':');
  const parts: Part[] = [];
  let rest = false;
  segments.forEach((segment, i) => {
    if (segment === '**') {
      if (i !== segments.length - 1) fail('has "**" before its last segment');
      rest = true;
    } else if (segment === '*') parts.push({ kind: 'one' });
    else if (segment.length === 0) fail(`has an empty segment at position ${i + 1}`);
    else if (segment.includes('*')) fail(`has "*" inside the segment "${segment}"`);
    else if (CONTROL.test(segment)) fail('has a control character');
    else parts.push({ kind: 'literal', value: segment });
  });
  return { parts, rest };
}

function matches(pattern: Pattern, segments: readonly string[]): boolean {
  const { parts, rest } = pattern;
  if (rest ? segments.length < parts.length : segments.length !== parts.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind === 'literal' && part.value !== segments[i]) return false;
  }
  return true;
}

/**
 * Compiles the scopes of one key. `undefined` (no scopes) allows every topic; an empty list is a
 * ConfigError, since such a key could sign nothing.
 */
export function createScope(kid: string, patterns: readonly string[] | undefined): Scope {
  if (patterns === undefined) return { patterns: ['**'], allows: () => true };
  if (!Array.isArray(patterns) || patterns.length === 0) {
    throw new ConfigError(`key "${kid}": scopes is empty`, {
      kid,
      hint: 'leave scopes out to allow every topic, or list patterns such as ["metrics:**"]',
    });
  }
  const compiled = patterns.map((p) => compile(kid, p));
  return {
    patterns: [...patterns],
    allows(topic) {
      const segments = topic.split(':');
      return compiled.some((p) => matches(p, segments));
    },
  };
}
