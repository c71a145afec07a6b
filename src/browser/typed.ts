/**
 * The typed layer the generated `browser.ts` builds on (`herald codegen --browser`): per topic,
 * `topic(params)` and `subscribe(params, handler)`; per event, `subscribe` and `publish`; per
 * wildcard topic, `subscribeAll`; per presence topic, `presence(params, handler)`. Topics are
 * built from the templates by substitution (the gateway checks them), and matched back to their
 * registry key for validation segment by segment, as the registry does (src/schemas/template.ts).
 */
import type { EventNames, PayloadOf, TopicDef } from '../schemas/define.js';
import type { GatewayClient, PageHandler, PagePresenceEvent } from './client.js';
import type { PageSubscribeOptions } from './options.js';
import type { PageMessage, PublishAnswer } from './protocol.js';

/** The messages a page receives on a topic, discriminated by `event`. */
export type PageMessageOf<T extends TopicDef> = {
  [E in EventNames<T>]: PageMessage<E, PayloadOf<T, E>>;
}[EventNames<T>];

/** Subscribe to and publish one event of a topic. */
export interface PageEventClient<P, Payload, E extends string> {
  subscribe(
    params: P,
    handler: (message: PageMessage<E, Payload>) => void,
    options?: Omit<PageSubscribeOptions<E>, 'events'>,
  ): () => void;
  /** Validated and signed by the server; rejects with a GatewayRefusal. */
  publish(params: P, payload: Payload): Promise<PublishAnswer>;
}

/** Build and subscribe to a topic, every event. */
export interface PageTopicClient<P, M extends PageMessage, T extends string> {
  topic(params: P): T;
  subscribe(
    params: P,
    handler: (message: M) => void,
    options?: PageSubscribeOptions<M['event']>,
  ): () => void;
}

/** Subscribe to every concrete topic of a wildcard topic, through its template. */
export interface PageTemplateClient<M extends PageMessage> {
  subscribeAll(
    handler: (message: M) => void,
    options?: PageSubscribeOptions<M['event']>,
  ): () => void;
}

/** Watch who is on a presence topic. */
export interface PagePresenceClient<P> {
  presence(params: P, handler: (event: PagePresenceEvent) => void): () => void;
}

/** Fills `{name}` segments of a template with the params. */
export function fillTemplate(template: string, params: object): string {
  const values = params as Record<string, unknown>;
  return template
    .split(':')
    .map((part) =>
      part.startsWith('{') && part.endsWith('}') ? String(values[part.slice(1, -1)]) : part,
    )
    .join(':');
}

/** A function from a concrete topic (or a template) to its registry key. */
export function topicKeys(
  templates: Readonly<Record<string, string>>,
): (topic: string) => string | undefined {
  const parsed = Object.entries(templates).map(([key, template]) => ({
    key,
    template,
    parts: template.split(':'),
  }));
  return (topic) => {
    const parts = topic.split(':');
    for (const { key, template, parts: want } of parsed) {
      if (topic === template) return key;
      if (want.length !== parts.length) continue;
      if (want.every((w, i) => (w.startsWith('{') && w.endsWith('}')) || w === parts[i]))
        return key;
    }
    return undefined;
  };
}

/** The topic half of a typed topic client. */
export function pageTopic<P, M extends PageMessage, T extends string>(
  client: GatewayClient,
  template: string,
): PageTopicClient<P, M, T> {
  return {
    topic: (params) => fillTemplate(template, params as object) as T,
    subscribe: (params, handler, options) =>
      client.subscribe(fillTemplate(template, params as object), handler as PageHandler, options),
  };
}

/** One event of a typed topic client. */
export function pageEvent<P, Payload, E extends string>(
  client: GatewayClient,
  template: string,
  event: E,
): PageEventClient<P, Payload, E> {
  return {
    subscribe: (params, handler, options) =>
      client.subscribe(fillTemplate(template, params as object), handler as PageHandler, {
        ...options,
        events: [event],
      }),
    publish: (params, payload) =>
      client.publish(fillTemplate(template, params as object), event, payload),
  };
}

/** `subscribeAll` of a wildcard topic. */
export function pageTemplate<M extends PageMessage>(
  client: GatewayClient,
  template: string,
): PageTemplateClient<M> {
  return {
    subscribeAll: (handler, options) => client.subscribe(template, handler as PageHandler, options),
  };
}

/** `presence` of a presence topic. */
export function pagePresence<P>(client: GatewayClient, template: string): PagePresenceClient<P> {
  return {
    presence: (params, handler) =>
      client.presence(fillTemplate(template, params as object), handler),
  };
}
