/**
 * How topics and events are declared: `event`, `topic` and `rawTopic`, and the types that read
 * a declaration back (parameters, event names, payloads). A declaration is plain data; it is
 * checked once, by `defineTopics` (define.ts), which refuses mistakes at start-up.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { CompatibilityMode } from './compat/modes.js';
import type { DurableOptions } from './durable.js';
import type { ParamNames } from './template.js';
import { createEventDef, type EventVersion, type EvolveArgs } from './versions.js';

/** Options of one event. */
export interface EventOptions {
  /**
   * Schema version of the payload, a positive integer carried in every envelope.
   * @default 1
   */
  readonly version?: number;
  /** What the event means, for docs and AsyncAPI. */
  readonly description?: string;
  /** Marks the event deprecated in generated docs and code. */
  readonly deprecated?: boolean;
  /**
   * What a new version must keep readable (docs/schema-evolution.md).
   * @default the topic's, else 'BACKWARD_TRANSITIVE'
   */
  readonly compatibility?: CompatibilityMode;
  /**
   * Marks this version as a draft: unreleased, so the lock-file gate does not freeze it (its
   * schema may change between codegen runs), and a bus publishes it only with
   * `createBus({ drafts: true })`. Remove the flag to release it (docs/cli.md, "Drafts").
   * @default false
   */
  readonly draft?: boolean;
}

/** A declared event: its latest payload schema and version, and its version history. */
export interface EventDef<S extends TSchema = TSchema> {
  readonly kind: 'event';
  /** The latest version's schema: what producers publish and handlers receive. */
  readonly schema: S;
  /** The latest version. */
  readonly version: number;
  /** Every declared version, oldest first; the last one is `schema` / `version`. */
  readonly versions: readonly EventVersion[];
  readonly description: string | undefined;
  readonly deprecated: boolean;
  /** The event's own compatibility mode, if it declares one. */
  readonly compatibility: CompatibilityMode | undefined;
  /** True when the latest version is a draft (`{ draft: true }`): unreleased, not yet frozen. */
  readonly draft: boolean;
  /**
   * Declares the next version: `.evolve(schemaV2, { upcast: (v1) => v2 })`. The upcaster is
   * required when a previous value is not a value of the new schema.
   */
  evolve<N extends TSchema>(schema: N, ...options: EvolveArgs<S, N>): EventDef<N>;
}

/** Declares an event with its payload schema; `.evolve()` adds later versions. */
export function event<S extends TSchema>(schema: S, options: EventOptions = {}): EventDef<S> {
  return createEventDef(schema, options);
}

/** Parameter schemas for a template: one per `{name}`, strings or integers. */
export type ParamSchemas<T extends string> = { readonly [K in ParamNames<T>]: TSchema };

/** Options of a typed topic. */
export interface TopicOptions<T extends string, P, E, PS = undefined> {
  readonly description?: string;
  /**
   * A schema per template parameter. Parameters without one are non-empty strings.
   * @example { roomId: Type.String({ pattern: '^[a-z0-9-]+$' }), shard: Type.Integer() }
   */
  readonly params?: P & Partial<ParamSchemas<T>>;
  /** The events published on this topic, by name. */
  readonly events: E;
  /**
   * The schema of one presence meta on this topic: enables `bus.presence` for it (docs/presence.md).
   * @example Type.Object({ name: Type.String(), device: Type.String() })
   */
  readonly presence?: PS;
  /**
   * The compatibility mode of the topic's events that declare none (docs/schema-evolution.md).
   * @default 'BACKWARD_TRANSITIVE'
   */
  readonly compatibility?: CompatibilityMode;
  /**
   * May be subscribed by its template: `bus.subscribe('health:node:{node}', ...)` receives every
   * concrete topic of it (docs/templates.md). On Redis Cluster and PostgreSQL, publishes on such a
   * topic are also sent on the template's channel (one more NOTIFY / SPUBLISH each).
   * @default false
   */
  readonly wildcard?: boolean;
  /**
   * Stores the topic's messages for durable subscriptions (docs/registry.md "Durable topics"):
   * only on transports that can (`nats`, through JetStream); a ConfigError on the others.
   * @example { maxAgeMs: 86_400_000, maxBytes: 1 << 30 }
   */
  readonly durable?: DurableOptions;
}

/** A declared topic. `raw` topics carry unvalidated payloads (see `broadcastRaw`). */
export interface TopicDef<
  T extends string = string,
  P extends Partial<Record<string, TSchema>> = Partial<Record<string, TSchema>>,
  E extends Record<string, EventDef> = Record<string, EventDef>,
  Raw extends boolean = boolean,
  PS extends TSchema | undefined = TSchema | undefined,
> {
  readonly kind: 'topic';
  readonly template: T;
  readonly params: P;
  readonly events: E;
  readonly raw: Raw;
  readonly description: string | undefined;
  /** Schema of a presence meta, when the topic tracks presence. */
  readonly presence: PS;
  /** The default compatibility mode of its events, if declared. */
  readonly compatibility?: CompatibilityMode;
  /** True when it may be subscribed by its template (docs/templates.md). */
  readonly wildcard?: boolean;
  /** Retention when its messages are stored for durable subscriptions (schemas/durable.ts). */
  readonly durable?: DurableOptions;
}

/** Declares a typed topic. */
export function topic<
  const T extends string,
  const E extends Record<string, EventDef>,
  const P extends Partial<ParamSchemas<T>> = {},
  const PS extends TSchema | undefined = undefined,
>(template: T, options: TopicOptions<T, P, E, PS>): TopicDef<T, P, E, false, PS> {
  return {
    kind: 'topic',
    template,
    params: (options.params ?? {}) as P,
    events: options.events,
    raw: false,
    description: options.description,
    presence: options.presence as PS,
    ...(options.compatibility === undefined ? {} : { compatibility: options.compatibility }),
    ...(options.wildcard === true ? { wildcard: true } : {}),
    ...(options.durable === undefined ? {} : { durable: options.durable }),
  };
}

/** Options of a raw topic. */
export interface RawTopicOptions<T extends string, P> {
  readonly description?: string;
  readonly params?: P & Partial<ParamSchemas<T>>;
  /** May be subscribed by its template (docs/templates.md). @default false */
  readonly wildcard?: boolean;
  /** Stored for durable subscriptions, as on `topic` (docs/registry.md "Durable topics"). */
  readonly durable?: DurableOptions;
}

/**
 * Declares a raw topic: any event name, any JSON payload, still signed and verified but never
 * validated. Opt-in, for migrations from untyped pub/sub; publish with `broadcastRaw`.
 */
export function rawTopic<const T extends string, const P extends Partial<ParamSchemas<T>> = {}>(
  template: T,
  options: RawTopicOptions<T, P> = {},
): TopicDef<T, P, {}, true, undefined> {
  return {
    kind: 'topic',
    template,
    params: (options.params ?? {}) as P,
    events: {},
    raw: true,
    description: options.description,
    presence: undefined,
    ...(options.wildcard === true ? { wildcard: true } : {}),
    ...(options.durable === undefined ? {} : { durable: options.durable }),
  };
}

/** The shape `defineTopics` accepts: topic definitions by key. */
export type TopicDefs = Record<string, TopicDef>;

/** The typed parameters of a topic definition. */
export type ParamsOf<D extends TopicDef> =
  D extends TopicDef<infer T, infer P>
    ? {
        readonly [K in ParamNames<T>]: K extends keyof P
          ? P[K] extends TSchema
            ? Static<P[K]>
            : string
          : string;
      }
    : never;

/** The event names of a topic definition. */
export type EventNames<D extends TopicDef> = D['raw'] extends true
  ? string
  : keyof D['events'] & string;

/** The payload type of one event. */
export type PayloadOf<D extends TopicDef, E extends string> = D['raw'] extends true
  ? unknown
  : E extends keyof D['events']
    ? D['events'][E] extends EventDef<infer S>
      ? Static<S>
      : never
    : never;
