/**
 * Presence (`bus.presence`): who is on a topic, on every node, updated live — Phoenix.Presence
 * over any Herald transport. Each node owns and versions its own presences and replicates them
 * to its peers through the bus, as signed messages on the reserved `$presence` topic (see
 * tracker.ts for the protocol, docs/presence.md for the guarantees and settings).
 *
 * This module checks calls (topic, key, owner, meta against the registry's `presence` schema,
 * the per-node cap) and wires the tracker, the view and the bus together.
 */
import { ConfigError, ErrorCode, HeraldError, ValidationError } from '../errors.js';
import type { Registry, TopicDefs, TopicEntry } from '../schemas/define.js';
import { createValidator, describeIssues, type Validator } from '../schemas/validator.js';
import { type PresencePort, PresenceTracker, type TrackerSettings } from './tracker.js';
import type {
  Presence,
  PresenceEvent,
  PresenceFetch,
  PresenceOptions,
  PresenceSubscribeOptions,
  TrackOptions,
} from './types.js';
import { PresenceView } from './view.js';
import { MAX_KEY_LENGTH } from './wire.js';

export type { PresencePort } from './tracker.js';
export { PRESENCE_CHANNEL, PresenceWire } from './wire.js';

/** Longest presence meta, in characters of JSON. */
export const MAX_META_BYTES = 8192;

/** Default presence settings (docs/presence.md). */
export const PRESENCE_DEFAULTS: Required<PresenceOptions> = {
  heartbeatMs: 1500,
  downAfterMs: 30_000,
  permdownAfterMs: 20 * 60_000,
  maxPresences: 10_000,
};

/** What the bus holds: the public API plus the calls it makes on start, stop and receive. */
export interface PresenceEngine<D extends TopicDefs = TopicDefs> {
  readonly api: Presence<D>;
  readonly enabled: boolean;
  /** Starts heartbeats once the bus is started (and subscribed to `$presence`). */
  start(): void;
  /** Broadcasts this node's leave and forgets every presence; call while the bus can still send. */
  stop(): Promise<void>;
  receive(node: string, event: string, data: unknown): void;
  /** Messages may have been lost (a transport gap): resynchronise. */
  resync(): void;
}

/** Everything `createPresence` needs. */
export interface PresenceContext {
  readonly registry: Registry;
  readonly port: PresencePort;
  /** `false` turns presence off; `undefined` runs it when the registry declares a presence topic. */
  readonly options: PresenceOptions | boolean | undefined;
  /** Whether the bus is started (calls before `start()` or after `stop()` throw). */
  readonly state: () => string;
  /** A presence subscriber's handler or fetch threw. */
  readonly onError: (topic: string, error: unknown) => void;
}

function settingsOf(options: PresenceOptions): TrackerSettings {
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

/** Creates the presence engine of one bus. Invalid settings throw a ConfigError here. */
export function createPresence<D extends TopicDefs = TopicDefs>(
  context: PresenceContext,
): PresenceEngine<D> {
  const { registry, port } = context;
  const declared = registry.entries.some((entry) => entry.def.presence !== undefined);
  const enabled = context.options === false ? false : context.options !== undefined || declared;
  const settings = settingsOf(typeof context.options === 'object' ? context.options : {});
  const validators = new Map<TopicEntry, Validator>();
  const view = new PresenceView(context.onError);

  const validatorOf = (entry: TopicEntry): Validator | undefined => {
    const schema = entry.def.presence;
    if (schema === undefined) return undefined;
    let validator = validators.get(entry);
    if (!validator) validators.set(entry, (validator = createValidator(schema)));
    return validator;
  };
  const check = (topic: string, meta: unknown): boolean => {
    const resolved = registry.resolve(topic);
    const validator = resolved && validatorOf(resolved.entry);
    return validator?.check(meta) === true;
  };
  const tracker = new PresenceTracker(port, settings, view, check);

  function ready(what: string): void {
    if (!enabled) {
      throw new ConfigError(`cannot ${what}: presence is off on this bus`, {
        hint: 'declare presence: Type.Object({ ... }) on a topic, or pass presence: {} to createBus',
      });
    }
    if (!tracker.running) {
      const state = context.state();
      throw new HeraldError(ErrorCode.NotStarted, `cannot ${what}: the bus is ${state}`, {
        hint: state === 'stopped' ? 'create a new bus after stop()' : 'await bus.start() first',
      });
    }
  }

  function topicOf(topic: string, what: string): Validator {
    ready(what);
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

  const text = (value: unknown, name: string, topic: string): string => {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) {
      throw new ConfigError(`presence ${name} ${JSON.stringify(value)} on "${topic}" is invalid`, {
        topic,
        hint: `use a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      });
    }
    return value;
  };
  const ownerOf = (options: TrackOptions | undefined, topic: string): string =>
    text(options?.owner ?? 'default', 'owner', topic);

  /** Validates a meta and returns a JSON copy (the caller's object may change later). */
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

  const api = {
    enabled,
    async track(topic: string, key: string, meta: unknown, options?: TrackOptions) {
      const validator = topicOf(topic, 'track');
      const owner = ownerOf(options, topic);
      text(key, 'key', topic);
      const copy = metaOf(validator, topic, meta);
      if (
        tracker.current(topic, key, owner) === undefined &&
        tracker.size >= settings.maxPresences
      ) {
        throw new ConfigError(
          `cannot track "${key}" on "${topic}": this node already tracks ${tracker.size} presences, its cap`,
          { topic, hint: 'untrack stale presences, or raise presence.maxPresences on every node' },
        );
      }
      return tracker.put(topic, key, owner, copy);
    },
    async update(topic: string, key: string, meta: unknown, options?: TrackOptions) {
      const validator = topicOf(topic, 'update');
      const owner = ownerOf(options, topic);
      const current = tracker.current(topic, key, owner);
      if (current === undefined) return undefined;
      const next = typeof meta === 'function' ? (meta as (m: unknown) => unknown)(current) : meta;
      return tracker.put(topic, key, owner, metaOf(validator, topic, next));
    },
    async untrack(topic: string, key: string, options?: TrackOptions) {
      topicOf(topic, 'untrack');
      return (await tracker.removeOne(topic, key, ownerOf(options, topic))) > 0;
    },
    async untrackOwner(owner: string) {
      ready('untrackOwner');
      text(owner, 'owner', '*');
      return tracker.remove((entry) => entry[2] === owner);
    },
    async list(topic: string, options?: { fetch?: PresenceFetch<unknown, unknown> }) {
      topicOf(topic, 'list');
      const listing = view.list(topic);
      return options?.fetch ? await options.fetch(topic, listing) : listing;
    },
    async subscribe(
      topic: string,
      handler: (event: PresenceEvent<unknown, unknown>) => void | Promise<void>,
      options?: PresenceSubscribeOptions<unknown, unknown>,
    ) {
      topicOf(topic, 'subscribe');
      if (typeof handler !== 'function') {
        throw new ConfigError(`presence.subscribe("${topic}") needs a handler function`, { topic });
      }
      const limit = options?.limit ?? 256;
      if (!Number.isInteger(limit) || limit < 1) {
        throw new ConfigError(`presence.subscribe limit ${String(limit)} is invalid`, {
          topic,
          hint: 'use a positive integer',
        });
      }
      const subscription = view.subscribe(topic, handler, options?.fetch, limit);
      const signal = options?.signal;
      if (signal?.aborted) subscription.unsubscribe();
      else signal?.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
      return subscription;
    },
    stats: () => tracker.stats(),
  };

  return {
    // The checks above stand in for the registry's types, which only the caller's Bus<D> has.
    api: api as unknown as Presence<D>,
    enabled,
    start: () => {
      if (enabled) tracker.start();
    },
    stop: () => tracker.stop(),
    receive: (node, event, data) => tracker.receive(node, event, data),
    resync: () => tracker.resync(),
  };
}
