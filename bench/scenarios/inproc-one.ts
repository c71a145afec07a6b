/**
 * Scenario `inproc-1`: in-process publish → handler throughput with one subscriber.
 * Herald (validated; validation off; validation and instrumentation off; awaiting each publish)
 * against EventEmitter and mqemitter, all driven the same way: a window of publishes, then wait
 * until each was handled.
 */
import type { Scenario } from '../harness.js';
import { eventEmitterSystem, mqemitterSystem } from '../systems/emitters.js';
import { heraldLocalSystem } from '../systems/herald-local.js';

const WINDOW = 512;

/** In-process, one subscriber. */
export const inprocOne: Scenario = {
  id: 'inproc-1',
  title: 'In-process publish → deliver, 1 subscriber',
  measures:
    'Messages per second from publish to the handler, one bus, one subscription, 250-byte payload objects (no serialization in-process). Publishes go out in windows of 512; each window waits until every message was handled.',
  kind: 'throughput',
  messages: { quick: 100_000, full: 200_000 },
  baselines: ['eventemitter', 'mqemitter'],
  settings: { subscribers: 1, window: WINDOW, payloadBytes: 250 },
  async systems() {
    const opts = { subscribers: 1, window: WINDOW };
    return [
      heraldLocalSystem({ ...opts, id: 'herald', label: 'Herald, validated', topic: 'typed' }),
      heraldLocalSystem({
        ...opts,
        id: 'herald-novalidate',
        label: 'Herald, validation off (raw topic)',
        topic: 'raw',
      }),
      heraldLocalSystem({
        ...opts,
        id: 'herald-bare',
        label: 'Herald, validation and instrumentation off',
        topic: 'raw',
        instrumentation: false,
      }),
      heraldLocalSystem({
        ...opts,
        id: 'herald-await',
        label: 'Herald, validated, await each publish',
        topic: 'typed',
        awaitEach: true,
      }),
      eventEmitterSystem(opts),
      mqemitterSystem(opts),
    ];
  },
};
