/**
 * Registration before the first publish (reader.ts): an event's versions are registered in the
 * shared store once per bus; a refusal stands (the declarations will not change while the
 * process runs), a store failure is tried again by the next publish.
 */
import { ErrorCode, TransportError } from '../errors.js';
import type { CompatOptions } from '../schemas/compat/types.js';
import type { EventEntry, TopicEntry } from '../schemas/define.js';
import type { SharedSchemaOptions } from './reader.js';
import { eventHistory, registerEvent, SchemaRegistrationError } from './register.js';

/** Registers an event's versions before its first publish; undefined when nothing to wait for. */
export type Announce = (topic: TopicEntry, event: EventEntry) => Promise<void> | undefined;

/** Creates the announcer of one bus. */
export function createAnnouncer(
  shared: SharedSchemaOptions | undefined,
  compat: CompatOptions,
  nodeId: string,
  now: () => number,
): Announce {
  const announced = new Map<EventEntry, { done: boolean; promise: Promise<void> }>();
  return (topic, event) => {
    if (shared === undefined || shared.register === false) return undefined;
    const state = announced.get(event);
    if (state?.done) return undefined;
    if (state !== undefined) return state.promise;
    const entry = { done: false, promise: Promise.resolve() };
    entry.promise = registerEvent(shared.store, eventHistory(topic, event), {
      ...compat,
      by: nodeId,
      now,
    }).then(
      () => {
        entry.done = true;
      },
      (error: unknown) => {
        // A refusal stands (the declarations will not change); a store failure is retried.
        if (!(error instanceof SchemaRegistrationError)) announced.delete(event);
        throw error instanceof SchemaRegistrationError
          ? error
          : new TransportError(
              ErrorCode.PublishFailed,
              `could not register the versions of ${topic.key}.${event.name} in the ${shared.store.name} schema store: ${error instanceof Error ? error.message : String(error)}`,
              {
                topic: topic.def.template,
                event: event.name,
                cause: error,
                hint: 'check the schema store connection, or set schemas.register: false on nodes that only consume',
              },
            );
      },
    );
    announced.set(event, entry);
    return entry.promise;
  };
}
