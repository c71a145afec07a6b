/**
 * JetStream names for durable topics. Normative: docs/transports/nats.md "Durable topics".
 *
 * One stream per durable topic template, named
 * `<prefix with "." as "-">_<template, each char outside [A-Za-z0-9_-] as "_", first 48>_<16 hex>`
 * where the 16 hex are the start of SHA-256 over `<prefix>\0<template>`: readable in `nats stream
 * ls`, valid as a stream name (no `.`, `*`, `>`, whitespace, slash), and distinct for distinct
 * templates. Its one subject is the template's wildcard subject (subjects.ts, `*` per parameter
 * segment). A consumer is named `<d|g>-<name, "." as "_">-<16 hex of SHA-256 over
 * `<kind>\0<name>\0<channel>`>`: `d` for a named durable subscription, `g` for a group.
 *
 * `@nats-io/jetstream` is an optional peer, loaded on first use like nats.js itself.
 */
import { createHash } from 'node:crypto';
import type * as JetStream from '@nats-io/jetstream';
import { loadPeer } from '../../peers.js';
import type { DurableConsumerSpec } from '../durable.js';
import { subjectOf, templatePattern } from './subjects.js';

/** The JetStream client; throws a ConfigError (`npm install @nats-io/jetstream`) when missing. */
export const jetstreamjs = (): typeof JetStream =>
  loadPeer<typeof JetStream>('@nats-io/jetstream', 'durable topics on NATS');

const hex16 = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

/** The stream of a durable topic template under `prefix`. */
export function streamName(prefix: string, template: string): string {
  const readable = template.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48);
  return `${prefix.replace(/\./g, '-')}_${readable}_${hex16(`${prefix}\0${template}`)}`;
}

/** The subject a durable topic template's stream captures. */
export function streamSubject(prefix: string, template: string): string {
  if (!template.includes('{')) return subjectOf(prefix, template);
  return templatePattern(prefix, template) ?? subjectOf(prefix, template);
}

/** The server-side name of a durable consumer. */
export function consumerName(spec: Pick<DurableConsumerSpec, 'kind' | 'name' | 'channel'>): string {
  const tag = spec.kind === 'durable' ? 'd' : 'g';
  return `${tag}-${spec.name.replace(/\./g, '_')}-${hex16(`${spec.kind}\0${spec.name}\0${spec.channel}`)}`;
}

/**
 * The handled-id record of a durable consumer (durable-handled.ts): a stream named
 * `<prefix with "." as "-">_handled_<d|g>-<name, "." as "_">-<16 hex of SHA-256 over
 * `<prefix>\0<kind>\0<name>\0<channel>`>`, capturing the one subject
 * `$HERALD.handled.<prefix>.<consumer name>`. The `$HERALD` root is outside every prefix, so no
 * topic stream's wildcard subject can overlap it; the name's last `_`-separated part always holds
 * a `-`, so it never equals a topic stream's name (which ends in `_<16 hex>`).
 */
export function handledStream(
  prefix: string,
  spec: Pick<DurableConsumerSpec, 'kind' | 'name' | 'channel'>,
): { readonly name: string; readonly subject: string } {
  const tag = spec.kind === 'durable' ? 'd' : 'g';
  const hash = hex16(`${prefix}\0${spec.kind}\0${spec.name}\0${spec.channel}`);
  const name = `${prefix.replace(/\./g, '-')}_handled_${tag}-${spec.name.replace(/\./g, '_')}-${hash}`;
  return { name, subject: `$HERALD.handled.${prefix}.${consumerName(spec)}` };
}

/** Milliseconds as JetStream's nanoseconds. */
export const nanos = (ms: number): number => ms * 1_000_000;
