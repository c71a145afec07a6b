/**
 * Scenario `local-hub`: two Herald buses in one process, connected by `createLocalHub()`. Unlike
 * inproc-1, every message crosses a transport, so it is encoded, signed, verified, checked for
 * freshness and validated — the full wire path without a network. The baselines serialize over an
 * EventEmitter: plain JSON, and the hand-written signed-JSON equivalent.
 */
import type { Scenario } from '../harness.js';
import {
  heraldHubSystem,
  jsonEmitterSystem,
  signedJsonEmitterSystem,
} from '../systems/wire-local.js';

const WINDOW = 512;

/** Two buses across the in-process transport. */
export const localHub: Scenario = {
  id: 'local-hub',
  title: 'Across the in-process transport (2 buses, signed + validated)',
  measures:
    'Messages per second from bus A to a handler on bus B over createLocalHub(): validate, encode, HMAC sign (default settings: micro-batched, one signature per batch of a tick after its first message), hub hop (setImmediate), decode, verify, replay/skew check, validate, dispatch. Latency is publish → handler with up to 512 messages in flight (a saturation latency, not a fixed-rate one).',
  kind: 'throughput',
  messages: { quick: 10_000, full: 20_000 },
  baselines: ['signed-json-ee', 'json-ee'],
  settings: { window: WINDOW, payloadBytes: 250 },
  async systems() {
    return [heraldHubSystem(WINDOW), signedJsonEmitterSystem(WINDOW), jsonEmitterSystem(WINDOW)];
  },
};
