/**
 * The topic registry: `defineTopics`, `topic`, `rawTopic` and `event`.
 *
 * Topics are declared once, with a template (`room:{roomId}`), typed parameters, and named events
 * whose payloads are TypeBox schemas with a version and a description. Everything else — the bus,
 * codegen, AsyncAPI, the lock file — reads this model. Mistakes are refused here, at start-up,
 * with errors that say what to fix.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ErrorCode, RegistryError, ValidationError } from '../errors.js';
import { IDENTIFIER_PATTERN } from '../rules.js';
import type { CompatibilityMode } from './compat/modes.js';
import { closest } from './diagnose.js';
import { schemaProblem } from './schema-check.js';
import {
  formatTopic,
  matchTopic,
  type ParamNames,
  type ParsedTemplate,
  paramValueProblem,
  parseTemplate,
  type TopicPattern,
  templatesOverlap,
} from './template.js';
import { createValidator, describeIssues, listIssues, type Validator } from './validator.js';
import {
  checkEventVersions,
  createEventDef,
  type EventVersion,
  type EvolveArgs,
} from './versions.js';

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
  };
}

/** Options of a raw topic. */
export interface RawTopicOptions<T extends string, P> {
  readonly description?: string;
  readonly params?: P & Partial<ParamSchemas<T>>;
  /** May be subscribed by its template (docs/templates.md). @default false */
  readonly wildcard?: boolean;
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

/** Metadata for the registry as a whole (AsyncAPI `info`). */
export interface RegistryInfo {
  /** @default 'Herald topics' */
  readonly title?: string;
  /** @default '1.0.0' */
  readonly version?: string;
  readonly description?: string;
}

/** One checked event, with its compiled validator. */
export interface EventEntry {
  readonly name: string;
  readonly def: EventDef;
  readonly validator: Validator;
}

/** One checked topic. */
export interface TopicEntry {
  readonly key: string;
  readonly def: TopicDef;
  readonly parsed: ParsedTemplate;
  readonly events: ReadonlyMap<string, EventEntry>;
  readonly paramValidators: ReadonlyMap<string, Validator>;
}

/** A concrete topic resolved against the registry. */
export interface ResolvedTopic {
  readonly entry: TopicEntry;
  readonly topic: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A checked registry: the definitions, plus look-ups the bus and codegen use. */
export interface Registry<D extends TopicDefs = TopicDefs> {
  readonly kind: 'registry';
  readonly defs: D;
  readonly info: Required<Omit<RegistryInfo, 'description'>> & { readonly description?: string };
  /** Every topic, in declaration order. */
  readonly entries: readonly TopicEntry[];
  /** The entry of a topic key, or undefined. */
  entry(key: string): TopicEntry | undefined;
  /** Builds a concrete topic from a key and typed parameters; throws on invalid parameters. */
  topic<K extends keyof D & string>(key: K, params: ParamsOf<D[K]>): TopicPattern<D[K]['template']>;
  /** Maps a concrete topic back to its template and parameters. */
  resolve(topic: string): ResolvedTopic | undefined;
}

const RESERVED_EVENTS = new Set(['presence_diff', '__proto__', 'constructor', 'prototype']);
const SUPPORTED_PARAM_TYPES = new Set(['string', 'integer', 'number']);

/** Checks topic definitions and builds the registry. Throws a {@link RegistryError} on mistakes. */
export function defineTopics<const D extends TopicDefs>(
  defs: D,
  info: RegistryInfo = {},
): Registry<D> {
  const entries: TopicEntry[] = [];
  const byKey = new Map<string, TopicEntry>();
  const byTemplate = new Map<string, string>();

  for (const [key, def] of Object.entries(defs)) {
    const where = { topic: def?.template ?? key };
    if (!IDENTIFIER_PATTERN.test(key)) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `topic key "${key}" is not an identifier`,
        {
          ...where,
          hint: 'keys name the generated functions: use letters, digits and "_", e.g. "chatRoom"',
        },
      );
    }
    if (def?.kind !== 'topic') {
      throw new RegistryError(ErrorCode.RegistryInvalid, `"${key}" is not a topic definition`, {
        hint: 'declare it with topic("name:{param}", { events: { ... } }) or rawTopic(...)',
      });
    }
    const parsed = parseTemplate(def.template);
    const previous = byTemplate.get(def.template);
    if (previous !== undefined) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `topic "${def.template}" is declared twice, as "${previous}" and "${key}"`,
        { ...where, hint: 'declare each topic once; put all its events under one key' },
      );
    }
    for (const other of entries) {
      if (templatesOverlap(parsed, other.parsed)) {
        throw new RegistryError(
          ErrorCode.RegistryInvalid,
          `topic "${def.template}" (${key}) overlaps "${other.def.template}" (${other.key}): one concrete topic could match both`,
          {
            ...where,
            hint: 'give the two topics different literal segments, e.g. "room:{id}" and "room:{id}:typing"',
          },
        );
      }
    }
    const paramValidators = new Map<string, Validator>();
    for (const name of Object.keys(def.params ?? {})) {
      if (!parsed.params.includes(name)) {
        throw new RegistryError(
          ErrorCode.RegistryInvalid,
          `topic "${def.template}" declares a schema for "${name}", which is not a parameter of the template`,
          {
            ...where,
            field: name,
            hint: `the template's parameters are: ${parsed.params.join(', ') || '(none)'}`,
          },
        );
      }
    }
    for (const name of parsed.params) {
      const schema =
        (def.params as Record<string, TSchema | undefined>)[name] ?? Type.String({ minLength: 1 });
      const problem = schemaProblem(schema);
      if (problem !== undefined) {
        throw new RegistryError(
          ErrorCode.RegistryInvalid,
          `the schema of parameter "${name}" of topic "${def.template}" ${problem.what}`,
          {
            ...where,
            field: name,
            hint: 'declare it as Type.String(...), Type.Integer(...) or Type.Number(...)',
          },
        );
      }
      const type = typeof schema.type === 'string' ? schema.type : '';
      if (!SUPPORTED_PARAM_TYPES.has(type)) {
        throw new RegistryError(
          ErrorCode.RegistryInvalid,
          `parameter "${name}" of topic "${def.template}" has type "${type || 'unknown'}"`,
          { ...where, field: name, hint: 'topic parameters are strings, integers or numbers' },
        );
      }
      paramValidators.set(name, createValidator(schema));
    }
    const events = new Map<string, EventEntry>();
    for (const [name, ev] of Object.entries(def.events ?? {})) {
      if (!IDENTIFIER_PATTERN.test(name) || RESERVED_EVENTS.has(name)) {
        throw new RegistryError(
          ErrorCode.RegistryInvalid,
          `event name "${name}" on topic "${def.template}" is ${RESERVED_EVENTS.has(name) ? 'reserved' : 'not an identifier'}`,
          {
            ...where,
            event: name,
            hint: 'event names are identifiers such as "message" or "status_updated"',
          },
        );
      }
      if (ev?.kind !== 'event') {
        throw new RegistryError(
          ErrorCode.RegistryInvalid,
          `event "${name}" on topic "${def.template}" is not an event definition`,
          {
            ...where,
            event: name,
            hint: 'declare it with event(Type.Object({ ... }), { version: 1, description: "..." })',
          },
        );
      }
      const versions = ev.versions ?? [{ schema: ev.schema, version: ev.version }];
      for (const version of versions) {
        const problem = schemaProblem(version.schema);
        if (problem !== undefined) {
          throw new RegistryError(
            ErrorCode.RegistryInvalid,
            `the payload schema of event "${name}"${versions.length > 1 ? ` version ${version.version}` : ''} on topic "${def.template}" ${problem.what}`,
            { ...where, event: name, hint: problem.hint },
          );
        }
      }
      checkEventVersions(ev, name, def.template);
      const validator = createValidator(ev.schema, undefined, {
        topic: def.template,
        event: name,
      });
      events.set(name, { name, def: ev, validator });
    }
    if (!def.raw && events.size === 0) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `topic "${def.template}" declares no events`,
        {
          ...where,
          hint: 'add at least one event, or declare the topic with rawTopic(...) for untyped payloads',
        },
      );
    }
    const presence: unknown = def.presence;
    const presenceProblem =
      presence === undefined ? undefined : schemaProblem(presence, (inner) => `presence: ${inner}`);
    if (presenceProblem !== undefined) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `the presence schema of topic "${def.template}" ${presenceProblem.what}`,
        { ...where, hint: presenceProblem.hint },
      );
    }
    const entry: TopicEntry = { key, def, parsed, events, paramValidators };
    entries.push(entry);
    byKey.set(key, entry);
    byTemplate.set(def.template, key);
  }

  const resolveCache = new Map<string, ResolvedTopic>();
  const registry: Registry<D> = {
    kind: 'registry',
    defs,
    info: {
      title: info.title ?? 'Herald topics',
      version: info.version ?? '1.0.0',
      ...(info.description === undefined ? {} : { description: info.description }),
    },
    entries,
    entry: (key) => byKey.get(key),
    topic(key, params) {
      const entry = byKey.get(key);
      if (!entry) {
        const suggestion = closest(String(key), byKey.keys());
        throw new RegistryError(
          ErrorCode.UnknownTopic,
          `no topic "${key}" in the registry${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
          { hint: `declared topics: ${[...byKey.keys()].join(', ')}` },
        );
      }
      return formatTopic(
        entry.parsed,
        stringifyParams(entry, params as Record<string, unknown>),
      ) as TopicPattern<D[typeof key]['template']>;
    },
    resolve(topicName) {
      const cached = resolveCache.get(topicName);
      if (cached) return cached;
      for (const entry of entries) {
        const values = matchTopic(entry.parsed, topicName);
        if (values === undefined) continue;
        if (!paramsValid(entry, values)) return undefined;
        const resolved: ResolvedTopic = { entry, topic: topicName, params: values };
        if (resolveCache.size < 10_000) resolveCache.set(topicName, resolved);
        return resolved;
      }
      return undefined;
    },
  };
  return registry;
}

function paramsValid(entry: TopicEntry, values: Record<string, string>): boolean {
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
