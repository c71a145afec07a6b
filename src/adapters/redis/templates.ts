/**
 * Template subscriptions on Redis (docs/templates.md, normative for the names).
 *
 * A single server has patterns: a template becomes one PSUBSCRIBE of `prefix + template` with the
 * prefix and every literal part escaped for Redis glob (`*`, `?`, `[`, `]` and `\` take a `\`)
 * and every `{param}` segment written `*`. A glob `*` also matches `:`, so the pattern may match
 * topics that are not the template's: the bus filters by the template after receipt.
 *
 * Sharded pub/sub (Redis Cluster) has no patterns: a publish on a `wildcard` topic also goes to
 * the template's channel `prefix + '$tpl:' + template` (SPUBLISH to the master of its slot, in
 * parallel with the topic's own), and a template subscription is an SSUBSCRIBE of that channel.
 */
import type { HeraldError } from '../../errors.js';
import { templateChannel } from '../transport.js';
import type { Router } from './router.js';

const GLOB_SPECIAL = /[*?[\]\\]/g;

/** Escapes text so a Redis glob matches it literally. */
export function globEscape(text: string): string {
  return text.replace(GLOB_SPECIAL, (ch) => `\\${ch}`);
}

/** The PSUBSCRIBE pattern of a template under a prefix. */
export function templatePattern(prefix: string, template: string): string {
  const segments = template
    .split(':')
    .map((part) => (part.startsWith('{') && part.endsWith('}') ? '*' : globEscape(part)));
  return globEscape(prefix) + segments.join(':');
}

/** What the template subscriptions need from their transport. */
export interface TemplateDeps {
  readonly prefix: string;
  readonly sharded: boolean;
  /** The router while the transport is usable. */
  router(): Router | undefined;
  /** Subscribes / unsubscribes a Herald channel (the template channel on a cluster). */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  fail(text: string): HeraldError;
  wrap(error: unknown, text: string): HeraldError;
}

/** The template subscriptions of one Redis transport. */
export interface RedisTemplates {
  /** Template by PSUBSCRIBE pattern (single server). */
  readonly patterns: ReadonlyMap<string, string>;
  /** Template by template channel (cluster). */
  readonly mirrors: ReadonlyMap<string, string>;
  subscribe(template: string): Promise<void>;
  unsubscribe(template: string): Promise<void>;
  clear(): void;
}

/** Creates the template subscriptions of one transport. */
export function redisTemplates(deps: TemplateDeps): RedisTemplates {
  const patterns = new Map<string, string>();
  const mirrors = new Map<string, string>();
  return {
    patterns,
    mirrors,
    async subscribe(template) {
      if (deps.sharded) {
        const channel = templateChannel(template);
        mirrors.set(channel, template);
        await deps.subscribe(channel).catch((error: unknown) => {
          mirrors.delete(channel);
          throw error;
        });
        return;
      }
      const router = deps.router();
      if (!router?.psubscribe) throw deps.fail(`subscribe to "${template}" while not connected`);
      const pattern = templatePattern(deps.prefix, template);
      patterns.set(pattern, template);
      try {
        await router.psubscribe(pattern);
      } catch (error) {
        patterns.delete(pattern);
        throw deps.wrap(error, `subscribe to "${template}" failed`);
      }
    },
    async unsubscribe(template) {
      if (deps.sharded) {
        const channel = templateChannel(template);
        mirrors.delete(channel);
        await deps.unsubscribe(channel);
        return;
      }
      const pattern = templatePattern(deps.prefix, template);
      patterns.delete(pattern);
      try {
        await deps.router()?.punsubscribe?.(pattern);
      } catch (error) {
        throw deps.wrap(error, `unsubscribe from "${template}" failed`);
      }
    },
    clear() {
      patterns.clear();
      mirrors.clear();
    },
  };
}
