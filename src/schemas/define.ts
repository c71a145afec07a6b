/**
 * The topic registry: `defineTopics` checks the declarations (`topic`, `rawTopic`, `event`, in
 * declare.ts) and builds the registry that the bus, codegen, AsyncAPI and the lock file read.
 * Mistakes are refused here, at start-up, with errors that say what to fix (check-topic.ts).
 */
import { ErrorCode, RegistryError } from '../errors.js';
import { type CheckedSoFar, checkTopic } from './check-topic.js';
import type { TopicDefs } from './declare.js';
import { closest } from './diagnose.js';
import { paramsValid, stringifyParams } from './params.js';
import type { Registry, RegistryInfo, ResolvedTopic, TopicEntry } from './registry-types.js';
import { formatTopic, matchTopic, type TopicPattern } from './template.js';

export {
  type EventDef,
  type EventNames,
  type EventOptions,
  event,
  type ParamSchemas,
  type ParamsOf,
  type PayloadOf,
  type RawTopicOptions,
  rawTopic,
  type TopicDef,
  type TopicDefs,
  type TopicOptions,
  topic,
} from './declare.js';
export { stringifyParams } from './params.js';
export type {
  EventEntry,
  Registry,
  RegistryInfo,
  ResolvedTopic,
  TopicEntry,
} from './registry-types.js';

/** The most concrete topics `registry.resolve` remembers. */
const RESOLVE_CACHE_SIZE = 10_000;

/** Checks topic definitions and builds the registry. Throws a {@link RegistryError} on mistakes. */
export function defineTopics<const D extends TopicDefs>(
  defs: D,
  info: RegistryInfo = {},
): Registry<D> {
  const entries: TopicEntry[] = [];
  const byKey = new Map<string, TopicEntry>();
  const byTemplate = new Map<string, string>();
  const before: CheckedSoFar = { entries, byTemplate };
  for (const [key, def] of Object.entries(defs)) {
    const entry = checkTopic(key, def, before);
    entries.push(entry);
    byKey.set(key, entry);
    byTemplate.set(def.template, key);
  }
  return {
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
      const entry = byKey.get(key) ?? unknownTopic(key, byKey);
      return formatTopic(
        entry.parsed,
        stringifyParams(entry, params as Record<string, unknown>),
      ) as TopicPattern<D[typeof key]['template']>;
    },
    resolve: resolver(entries),
  };
}

function unknownTopic(key: string, byKey: ReadonlyMap<string, TopicEntry>): never {
  const suggestion = closest(String(key), byKey.keys());
  throw new RegistryError(
    ErrorCode.UnknownTopic,
    `no topic "${key}" in the registry${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
    { hint: `declared topics: ${[...byKey.keys()].join(', ')}` },
  );
}

/** Maps a concrete topic to its entry and parameters, remembering the answers it gives. */
function resolver(entries: readonly TopicEntry[]): (topic: string) => ResolvedTopic | undefined {
  const cache = new Map<string, ResolvedTopic>();
  return (topicName) => {
    const cached = cache.get(topicName);
    if (cached) return cached;
    for (const entry of entries) {
      const values = matchTopic(entry.parsed, topicName);
      if (values === undefined) continue;
      if (!paramsValid(entry, values)) return undefined;
      const resolved: ResolvedTopic = { entry, topic: topicName, params: values };
      if (cache.size < RESOLVE_CACHE_SIZE) cache.set(topicName, resolved);
      return resolved;
    }
    return undefined;
  };
}
