/**
 * The object behind `bus.presence`: each call checked (checks.ts), then handed to the tracker
 * (own presences, replicated) or the view (listings and subscriptions).
 */
import { ConfigError } from '../errors.js';
import type { PresenceChecks } from './checks.js';
import type { PresenceTracker, TrackerSettings } from './tracker.js';
import type {
  PresenceEvent,
  PresenceFetch,
  PresenceSubscribeOptions,
  TrackOptions,
} from './types.js';
import type { PresenceView } from './view.js';

/** What the API drives. */
export interface ApiParts {
  readonly enabled: boolean;
  readonly settings: TrackerSettings;
  readonly checks: PresenceChecks;
  readonly tracker: PresenceTracker;
  readonly view: PresenceView;
}

/** The presence API, untyped: `createPresence` gives it the registry's types. */
export function presenceApi({ enabled, settings, checks, tracker, view }: ApiParts) {
  const { topicOf, ownerOf, text, metaOf, ready } = checks;
  return {
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
      return subscribe(view, topic, handler, options);
    },
    stats: () => tracker.stats(),
  };
}

function subscribe(
  view: PresenceView,
  topic: string,
  handler: (event: PresenceEvent<unknown, unknown>) => void | Promise<void>,
  options: PresenceSubscribeOptions<unknown, unknown> | undefined,
) {
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
}
