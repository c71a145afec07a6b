/**
 * Template subscriptions (docs/templates.md): `bus.subscribe('health:node:{node}', ...)` receives
 * every concrete topic of a topic declared `wildcard: true`. A template subscription lives in the
 * same table as concrete ones, under its template string (which no concrete topic can equal: a
 * parameter value may not be written `{...}`, src/schemas/template.ts), and is server-subscribed
 * with `transport.subscribeTemplate`. Dispatch hands a message to its topic's subscriptions and
 * to its template's: each subscription gets it once.
 *
 * A concrete subscription costs nothing more: publish and receive look a template up only while
 * this bus holds one (`ctx.templateKeys`).
 */
import { templateChannel } from '../adapters/transport.js';
import { ConfigError } from '../errors.js';
import type { ResolvedTopic } from '../schemas/define.js';
import type { Envelope } from '../security/codec.js';
import type { BusContext } from './context.js';
import type { TopicState } from './table.js';

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** The template a publish on `resolved` carries to the transport, if its topic is `wildcard`. */
export function mirrorTemplate(resolved: ResolvedTopic): string | undefined {
  const { def, parsed } = resolved.entry;
  return def.wildcard === true && parsed.params.length > 0 ? def.template : undefined;
}

/**
 * The registry entry of a template subscription to `topic`, resolved with empty params, or
 * undefined when `topic` is not a template (a concrete topic). Throws when it is the template of
 * a topic not declared `wildcard`.
 */
export function resolveTemplate(ctx: BusContext, topic: string): ResolvedTopic | undefined {
  if (typeof topic !== 'string' || !topic.includes('{')) return undefined;
  const entry = ctx.registry.entries.find(
    (e) => e.def.template === topic && e.parsed.params.length > 0,
  );
  if (entry === undefined) return undefined;
  if (entry.def.wildcard !== true) {
    throw new ConfigError(
      `topic "${topic}" is not declared wildcard: subscribe to its topics one by one`,
      {
        topic,
        hint: `declare it with topic("${topic}", { wildcard: true, ... }) to subscribe by template (docs/templates.md)`,
      },
    );
  }
  if (ctx.transport.subscribeTemplate === undefined) {
    throw new ConfigError(
      `the ${ctx.transport.name} transport cannot carry template subscriptions ("${topic}")`,
      {
        topic,
        transport: ctx.transport.name,
        hint: 'use a built-in transport, or implement subscribeTemplate/unsubscribeTemplate (docs/templates.md)',
      },
    );
  }
  return { entry, topic, params: NO_PARAMS };
}

/** The template subscriptions' state a message on `resolved` also goes to, if any. */
export function templateStateOf(ctx: BusContext, resolved: ResolvedTopic): TopicState | undefined {
  const template = resolved.entry.def.template;
  if (template === resolved.topic || !ctx.templateKeys.has(template)) return undefined;
  return ctx.table.get(template);
}

/** Subscribes the server side of a table key: a topic's channel, or a template. */
export function serverSubscribe(ctx: BusContext, key: string, template: boolean): Promise<void> {
  const { transport } = ctx;
  if (template && transport.subscribeTemplate !== undefined) {
    return transport.subscribeTemplate(key);
  }
  return transport.subscribe(key);
}

/** Removes the server side of a table key: a topic's channel, or a template. */
export function serverUnsubscribe(ctx: BusContext, key: string, template: boolean): Promise<void> {
  const { transport } = ctx;
  if (template) return transport.unsubscribeTemplate?.(key) ?? Promise.resolve();
  return transport.unsubscribe(key);
}

/**
 * Whether a message that came through `template` is left to another copy, before any check:
 * this bus holds a concrete subscription to its topic (the concrete copy carries it to both), or
 * no longer holds the template, or (on a native pattern, which may match more) its topic is not
 * one of the template's. A topic that is not the template's on the template's own channel is
 * not skipped: `checkAddress` refuses it.
 */
export function skipCopy(
  ctx: BusContext,
  channel: string,
  topic: string,
  template: string,
): boolean {
  if (ctx.table.get(topic) !== undefined) return true;
  if (!ctx.templateKeys.has(template)) {
    ctx.counters.unrouted++;
    return true;
  }
  if (channel !== topic) return false;
  return ctx.registry.resolve(topic)?.entry.def.template !== template;
}

/** Arrived on the channel of `template` (a mirror), and its topic is one of the template's. */
export function onTemplateChannel(
  ctx: BusContext,
  channel: string,
  env: Envelope,
  template: string | undefined,
): boolean {
  if (template === undefined || env.to !== undefined || channel !== templateChannel(template)) {
    return false;
  }
  return ctx.registry.resolve(env.topic)?.entry.def.template === template;
}
