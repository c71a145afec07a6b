/**
 * NATS subjects for Herald channels. Normative: docs/transports/nats.md "Subjects (normative)".
 *
 * A NATS subject is a list of `.`-separated tokens; a token may not be empty nor contain `.`,
 * whitespace or (as a whole token) the wildcards `*` and `>`. A Herald channel is any string,
 * `:`-separated by convention (`room:42`, `$node:<id>`). The subject of a channel is
 * `<prefix>.<token>(.<token>)*`: one token per `:`-separated segment, each segment escaped so
 * that it keeps `[A-Za-z0-9_-]` and writes every other UTF-16 code unit as `~` + 4 lowercase hex
 * digits; an empty segment is the token `~`. The escape is injective (`~` itself is always
 * escaped), so two channels never share a subject, and a template parameter that fills a whole
 * segment is the NATS wildcard `*`.
 *
 * A subject longer than {@link MAX_SUBJECT_BYTES} (a server refuses long control lines and
 * closes the connection) is derived instead: `<prefix>.~h.<32 hex of SHA-256 over the
 * channel>`. `~h` is never an escaped token (`h` is no hex digit), so a derived subject never
 * equals a mapped one.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../../errors.js';

/** The longest subject this transport sends, in bytes; longer ones are derived (hashed). */
export const MAX_SUBJECT_BYTES = 1024;

const KEEP = /^[A-Za-z0-9_-]$/;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_PREFIX_BYTES = 128;

/** Throws a ConfigError unless `prefix` is 1-128 bytes of `.`-separated `[A-Za-z0-9_-]` tokens. */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_BYTES || !PREFIX.test(prefix)) {
    throw new ConfigError(`nats transport: prefix "${String(prefix)}" is invalid`, {
      transport: 'nats',
      hint: 'use 1-128 characters of [A-Za-z0-9_-] tokens separated by "." (e.g. "herald" or "myapp.events")',
    });
  }
}

/** Escapes one `:`-separated segment of a channel into one subject token. */
export function escapeToken(segment: string): string {
  if (segment.length === 0) return '~';
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    out += KEEP.test(ch) ? ch : `~${segment.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** The inverse of {@link escapeToken}; undefined for a token it cannot have produced. */
export function unescapeToken(token: string): string | undefined {
  if (token === '~') return '';
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    if (ch !== '~') {
      if (!KEEP.test(ch)) return undefined;
      out += ch;
      continue;
    }
    const hex = token.slice(i + 1, i + 5);
    if (!/^[0-9a-f]{4}$/.test(hex)) return undefined;
    out += String.fromCharCode(Number.parseInt(hex, 16));
    i += 4;
  }
  return out;
}

/** The NATS subject of a Herald channel under `prefix`: identical on every node. */
export function subjectOf(prefix: string, channel: string): string {
  const subject = `${prefix}.${channel.split(':').map(escapeToken).join('.')}`;
  if (Buffer.byteLength(subject, 'utf8') <= MAX_SUBJECT_BYTES) return subject;
  const hash = createHash('sha256').update(channel, 'utf8').digest('hex').slice(0, 32);
  return `${prefix}.~h.${hash}`;
}

/** The channel of a mapped (not derived) subject under `prefix`, or undefined. */
export function channelOf(prefix: string, subject: string): string | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const segments: string[] = [];
  for (const token of subject.slice(prefix.length + 1).split('.')) {
    const segment = unescapeToken(token);
    if (segment === undefined) return undefined;
    segments.push(segment);
  }
  return segments.join(':');
}

/** The NATS prefix of one tenant: `<base>.t.<escaped id>` (id and base checked by the bus). */
export function natsTenantPrefix(tenantId: string, base: string): string {
  return `${base}.t.${escapeToken(tenantId)}`;
}

/**
 * The wildcard subject of a topic template under `prefix` (`room:{id}` → `<prefix>.room.*`):
 * each segment with a `{param}` becomes `*` (one token), every other segment is escaped as in
 * {@link subjectOf}. A segment that mixes text and a parameter (`v{n}`) also becomes `*`: the
 * pattern then matches more, and the bus keeps only the template's own topics. Undefined when
 * the subject would exceed {@link MAX_SUBJECT_BYTES}.
 */
export function templatePattern(prefix: string, template: string): string | undefined {
  const tokens = template.split(':').map((s) => (s.includes('{') ? '*' : escapeToken(s)));
  const subject = `${prefix}.${tokens.join('.')}`;
  return Buffer.byteLength(subject, 'utf8') <= MAX_SUBJECT_BYTES ? subject : undefined;
}
