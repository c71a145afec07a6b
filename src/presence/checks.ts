/**
 * What `bus.presence` checks before the tracker sees a call: the settings, that presence is on
 * and the bus started, the topic (in the registry, with a presence schema), the key and owner,
 * and the meta (its schema, and at most MAX_META_BYTES of JSON). Each refusal is a typed error
 * naming the topic and the fix.
 */
import { ConfigError, ErrorCode, HeraldError, ValidationError } from '../errors.js';
import type { Registry, TopicEntry } from '../schemas/define.js';
import { createValidator, describeIssues, type Validator } from '../schemas/validator.js';
import type { TrackerSettings } from './tracker.js';
import type { PresenceOptions, TrackOptions } from './types.js';
import { MAX_KEY_LENGTH } from './wire.js';

/** Longest presence meta, in characters of JSON. */
export const MAX_META_BYTES = 8192;

/** Default presence settings (docs/presence.md). */
export const PRESENCE_DEFAULTS: Required<PresenceOptions> = {
  heartbeatMs: 1500,
  downAfterMs: 30_000,
  permdownAfterMs: 20 * 60_000,
  maxPresences: 10_000,
};

/** Resolves and checks the settings; throws a ConfigError naming the one that is invalid. */
export function settingsOf(options: PresenceOptions): TrackerSettings {
  const s = { ...PRESENCE_DEFAULTS, ...options };
  const check = (name: keyof PresenceOptions, ok: boolean, hint: string): void => {
    if (!ok) throw new ConfigError(`presence.${name} ${String(s[name])} is invalid`, { hint });
  };
  const ms = (v: number): boolean => Number.isFinite(v) && v > 0;
  check('heartbeatMs', ms(s.heartbeatMs), 'use a positive number of ms');
  check(
    'downAfterMs',
    ms(s.downAfterMs) && s.downAfterMs > 2 * s.heartbeatMs,
    'use more than two heartbeats',
  );
  check(
    'permdownAfterMs',
    ms(s.permdownAfterMs) && s.permdownAfterMs >= s.downAfterMs,
    'use at least downAfterMs',
  );
  check(
    'maxPresences',
    Number.isInteger(s.maxPresences) && s.maxPresences > 0,
    'use a positive integer',
  );
  return s;
}

/** Where the checks look: the registry, whether presence is on, whether the tracker runs. */
export interface CheckContext {
  readonly registry: Registry;
  readonly enabled: boolean;
  running(): boolean;
  /** The bus's state, for the NotStarted message. */
  state(): string;
}

/** The call checks of one bus's presence. */
export interface PresenceChecks {
  /** Whether a peer's meta on a concrete topic is valid (the tracker's entry check). */
  entryCheck(topic: string, meta: unknown): boolean;
  /** Throws unless presence is on and the bus started. */
  ready(what: string): void;
  /** The presence validator of a concrete topic; throws when it is unknown or tracks none. */
  topicOf(topic: string, what: string): Validator;
  /** A key or owner: a non-empty string of at most MAX_KEY_LENGTH characters. */
  text(value: unknown, name: string, topic: string): string;
  /** The owner of a call (`'default'` when none is given). */
  ownerOf(options: TrackOptions | undefined, topic: string): string;
  /** Validates a meta and returns a JSON copy (the caller's object may change later). */
  metaOf(validator: Validator, topic: string, meta: unknown): unknown;
}

/** Builds the call checks; presence validators are compiled once per topic, on first use. */
export function presenceChecks(context: CheckContext): PresenceChecks {
  const { registry } = context;
  const validators = new Map<TopicEntry, Validator>();
  const validatorOf = (entry: TopicEntry): Validator | undefined => {
    const schema = entry.def.presence;
    if (schema === undefined) return undefined;
    let validator = validators.get(entry);
    if (!validator) validators.set(entry, (validator = createValidator(schema)));
    return validator;
  };
  const ready = (what: string): void => readyOrThrow(context, what);
  const text = (value: unknown, name: string, topic: string): string => {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) {
      throw new ConfigError(`presence ${name} ${JSON.stringify(value)} on "${topic}" is invalid`, {
        topic,
        hint: `use a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      });
    }
    return value;
  };
  return {
    entryCheck(topic, meta) {
      const resolved = registry.resolve(topic);
      const validator = resolved && validatorOf(resolved.entry);
      return validator?.check(meta) === true;
    },
    ready,
    topicOf(topic, what) {
      ready(what);
      return presenceValidator(registry, topic, validatorOf);
    },
    text,
    ownerOf: (options, topic) => text(options?.owner ?? 'default', 'owner', topic),
    metaOf,
  };
}

function readyOrThrow(context: CheckContext, what: string): void {
  if (!context.enabled) {
    throw new ConfigError(`cannot ${what}: presence is off on this bus`, {
      hint: 'declare presence: Type.Object({ ... }) on a topic, or pass presence: {} to createBus',
    });
  }
  if (!context.running()) {
    const state = context.state();
    throw new HeraldError(ErrorCode.NotStarted, `cannot ${what}: the bus is ${state}`, {
      hint: state === 'stopped' ? 'create a new bus after stop()' : 'await bus.start() first',
    });
  }
}

function presenceValidator(
  registry: Registry,
  topic: string,
  validatorOf: (entry: TopicEntry) => Validator | undefined,
): Validator {
  const resolved = typeof topic === 'string' ? registry.resolve(topic) : undefined;
  if (!resolved) {
    throw new HeraldError(
      ErrorCode.UnknownTopic,
      `"${String(topic)}" matches no topic in the registry`,
      {
        topic: String(topic),
        hint: 'presence topics are declared in the registry with a presence schema',
      },
    );
  }
  const validator = validatorOf(resolved.entry);
  if (!validator) {
    throw new ConfigError(`topic "${resolved.entry.def.template}" tracks no presence`, {
      topic,
      hint: 'add presence: Type.Object({ ... }) to its topic(...) declaration',
    });
  }
  return validator;
}

function metaOf(validator: Validator, topic: string, meta: unknown): unknown {
  const json = validator.check(meta) ? JSON.stringify(meta) : undefined;
  if (json !== undefined && json.length > MAX_META_BYTES) {
    throw new ConfigError(
      `presence meta on "${topic}" is ${json.length} bytes of JSON; the limit is ${MAX_META_BYTES}`,
      { topic, hint: 'keep metas small (ids and flags); fetch the rest with the fetch hook' },
    );
  }
  if (json === undefined) {
    const issues = validator.errors(meta);
    throw new ValidationError(
      ErrorCode.InvalidPayload,
      `presence meta on "${topic}" is invalid: ${describeIssues(issues)}`,
      issues,
      { topic, hint: 'check the meta against the presence schema of the topic in the registry' },
    );
  }
  return JSON.parse(json);
}
