/**
 * The names the client emitter gives to a registry's topics and events, checked for clashes.
 *
 * Types are the topic key and event name in PascalCase (`room` + `message` → `RoomMessage`,
 * `RoomParams`, `RoomTopic`, `RoomEvent`, `RoomClient`). Two names that would coincide, or an event
 * named like a topic-level method, are refused here, so the emitted module always compiles.
 */
import type { Registry, TopicEntry } from '../../src/index.js';
import { CodegenError, CodegenErrorCode } from '../errors.js';
import { pascalCase } from './source.js';

/** Names the client uses for its own methods: an event cannot have them. */
export const TOPIC_METHODS: readonly string[] = ['topic', 'subscribe', 'stream', 'publishRaw'];

/** The Herald types the client may import (it imports those its topics need). */
export const HERALD_TYPES: readonly string[] = [
  'Bus',
  'EventClient',
  'Message',
  'MessageOf',
  'ParamsOf',
  'PayloadOf',
  'RawTopicClient',
  'TemplateClient',
  'TopicClient',
  'TopicPattern',
];

/** The builders of topic and event entries the client may import from `herald/internal`. */
export const HERALD_BUILDERS: readonly string[] = [
  'eventClient',
  'rawTopicClient',
  'templateClient',
  'topicClient',
];

/** The helper types of `herald` the client re-exports, so users can name them from it. */
export const CLIENT_TYPES: readonly string[] = [
  'EventClient',
  'EventSubscribeOptions',
  'RawTopicClient',
  'TemplateClient',
  'TopicClient',
];

/** Names the client module declares itself. */
const OWN_NAMES = ['registry', 'validators', 'Defs', 'Client', 'createClient'];

/** The names of one topic and its events. */
export interface TopicNames {
  readonly entry: TopicEntry;
  readonly base: string;
  readonly events: readonly { readonly name: string; readonly type: string }[];
}

/** Works out every exported name and refuses clashes, so the emitted module always compiles. */
export function nameTopics(registry: Registry): TopicNames[] {
  const taken = new Map<string, string>();
  const claim = (name: string, owner: string): string => {
    const previous = taken.get(name);
    if (previous !== undefined) {
      throw new CodegenError(
        CodegenErrorCode.NameClash,
        `the generated name ${name} would stand for both ${previous} and ${owner}`,
        { hint: 'rename one of the topic keys or events in the registry' },
      );
    }
    taken.set(name, owner);
    return name;
  };
  for (const name of [...HERALD_TYPES, ...HERALD_BUILDERS, ...CLIENT_TYPES, ...OWN_NAMES]) {
    taken.set(name, `the client's own ${name}`);
  }
  return registry.entries.map((entry) => {
    if (entry.key === '__proto__') {
      throw new CodegenError(CodegenErrorCode.NameClash, 'topic key "__proto__" cannot be used', {
        hint: 'rename the topic key',
      });
    }
    const base = pascalCase(entry.key);
    for (const suffix of ['Params', 'Topic', 'Event', 'Client']) {
      claim(base + suffix, `topic ${entry.key}`);
    }
    const events = [...entry.events.keys()].map((name) => {
      if (TOPIC_METHODS.includes(name)) {
        throw new CodegenError(
          CodegenErrorCode.NameClash,
          `event "${name}" of topic ${entry.key} would hide the client's ${entry.key}.${name}()`,
          { hint: `rename the event; ${TOPIC_METHODS.join(', ')} are taken by the client` },
        );
      }
      return { name, type: claim(base + pascalCase(name), `event ${entry.key}.${name}`) };
    });
    return { entry, base, events };
  });
}
