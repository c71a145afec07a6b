/**
 * Scenario `inproc-1000`: in-process fan-out to 1000 subscriptions of one topic. A message counts
 * once it reached all 1000 handlers, so deliveries per second are 1000 × the rate shown.
 */
import type { Scenario } from '../harness.js';
import { eventEmitterSystem, mqemitterSystem } from '../systems/emitters.js';
import { heraldLocalSystem } from '../systems/herald-local.js';

const WINDOW = 512;
const SUBSCRIBERS = 1000;

/** In-process, 1000 subscribers. */
export const inprocFanout: Scenario = {
  id: 'inproc-1000',
  title: 'In-process publish → deliver, 1000 subscribers',
  measures:
    'Messages per second, each delivered to 1000 subscriptions of one topic (deliveries/s = 1000 × msgs/s). Same driver as inproc-1: windows of 512 publishes, then wait for all 512 000 deliveries.',
  kind: 'throughput',
  messages: { quick: 2_000, full: 3_000 },
  baselines: ['eventemitter', 'mqemitter'],
  settings: { subscribers: SUBSCRIBERS, window: WINDOW, payloadBytes: 250 },
  async systems() {
    const opts = { subscribers: SUBSCRIBERS, window: WINDOW };
    return [
      heraldLocalSystem({ ...opts, id: 'herald', label: 'Herald, validated', topic: 'typed' }),
      eventEmitterSystem(opts),
      mqemitterSystem(opts),
    ];
  },
};
