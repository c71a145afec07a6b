/**
 * Presence as a system feature of the bus (src/bus/system.ts): it owns the `$presence` channel,
 * sends and receives on it through its port, resynchronises on a gap, and broadcasts this
 * node's leave when the bus stops. The bus knows nothing else of it. It reserves the event name
 * `presence_diff` in every registry (src/schemas/reserved.ts): its diffs reach a topic's
 * presence subscribers under that name, which no declared event may share.
 */
import type { SystemFeature } from '../bus/system.js';
import type { Registry, TopicDefs } from '../schemas/define.js';
import { reserveEventNames } from '../schemas/reserved.js';
import { createPresence } from './index.js';
import type { Presence, PresenceOptions } from './types.js';
import { PRESENCE_CHANNEL } from './wire.js';

reserveEventNames('presence', ['presence_diff']);

/** The presence feature of a bus over `registry`; `options: false` turns it off. */
export function presenceFeature<D extends TopicDefs>(
  registry: Registry<D>,
  options: PresenceOptions | boolean | undefined,
): SystemFeature<Presence<D>> {
  return {
    channel: {
      topic: PRESENCE_CHANNEL,
      label: 'presence',
      tooLargeHint: 'use smaller presence metas',
    },
    create(port) {
      const engine = createPresence<D>({
        registry,
        options,
        state: port.state,
        port,
        onError: (topic, error) => port.error(topic, 'presence_diff', error),
      });
      return {
        client: {
          listens: engine.enabled,
          started: engine.start,
          stopping: engine.stop,
          receive: engine.receive,
          gap: engine.resync,
        },
        api: engine.api,
      };
    },
  };
}
