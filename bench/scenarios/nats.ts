/**
 * Scenarios `nats-1to1`, `nats-fanout` (1 → 10, as redis-fanout) (Herald's NATS transport against raw nats.js core, one message at a
 * time), `nats-group` (a consumer group of 3 against one plain subscriber) and `nats-jetstream`
 * (a durable topic against raw JetStream, publish + consume, one ack each), 250-byte JSON,
 * through the NATS on 127.0.0.1:4222.
 */
import type { Scenario } from '../harness.js';
import { natsUnavailable } from '../servers.js';
import { heraldNatsGroupSystem, heraldNatsSystem, rawNatsSystem } from '../systems/nats.js';
import { heraldNatsFanoutSystem, rawNatsFanoutSystem } from '../systems/nats-fanout.js';
import { heraldJetStreamSystem, rawJetStreamSystem } from '../systems/nats-jetstream.js';
import { FANOUT } from '../systems/redis-fanout.js';

const WINDOW = 256;
const LOAD = { window: WINDOW };

/** NATS, 1 → 1. */
export const natsOneToOne: Scenario = {
  id: 'nats-1to1',
  title: 'NATS 1 → 1, 250-byte JSON',
  measures:
    'Messages per second from publish on one connection to the handler behind another, through the NATS on 127.0.0.1:4222. Up to 256 publishes in flight; the driver waits for their deliveries before the next window.',
  kind: 'throughput',
  messages: { quick: 10_000, full: 20_000 },
  baselines: ['nats.js', 'signed-json-nats.js'],
  settings: { window: WINDOW, payloadBytes: 250, server: '127.0.0.1:4222' },
  unavailable: natsUnavailable,
  async systems() {
    return [
      heraldNatsSystem(LOAD),
      heraldNatsSystem(LOAD, 'unbatched'),
      rawNatsSystem(LOAD, false),
      rawNatsSystem(LOAD, true),
    ];
  },
};

/** NATS, a consumer group of 3 against one plain subscriber. */
export const natsGroup: Scenario = {
  id: 'nats-group',
  title: 'NATS consumer group of 3 vs one plain subscriber, 250-byte JSON',
  measures:
    'Messages per second handled once: by one of 3 buses subscribed with { group } (NATS queue group), against one bus with a plain subscription. Up to 256 publishes in flight.',
  kind: 'throughput',
  messages: { quick: 10_000, full: 20_000 },
  baselines: ['herald-nats-plain'],
  settings: { window: WINDOW, payloadBytes: 250, members: 3, server: '127.0.0.1:4222' },
  unavailable: natsUnavailable,
  async systems() {
    return [heraldNatsGroupSystem(LOAD, 3, true), heraldNatsGroupSystem(LOAD, 1, false)];
  },
};

/** NATS, 1 → 10 subscribers (as redis-fanout). */
export const natsFanout: Scenario = {
  id: 'nats-fanout',
  title: `NATS fan-out, 1 → ${FANOUT} subscribers, 250-byte JSON`,
  measures: `Messages per second published while each reaches ${FANOUT} handlers, through the NATS on 127.0.0.1:4222: raw nats.js core with one connection per subscriber, against Herald with a bus per subscriber and with one bus dispatching locally. Up to 256 publishes in flight.`,
  kind: 'throughput',
  messages: { quick: 4_000, full: 10_000 },
  baselines: ['nats.js-fanout'],
  settings: { window: WINDOW, subscribers: FANOUT, payloadBytes: 250, server: '127.0.0.1:4222' },
  unavailable: natsUnavailable,
  async systems() {
    return [
      heraldNatsFanoutSystem(WINDOW, 'local'),
      heraldNatsFanoutSystem(WINDOW, 'buses'),
      rawNatsFanoutSystem(WINDOW),
    ];
  },
};

/** JetStream: a durable topic, publish + consume, against raw @nats-io/jetstream. */
export const natsJetStream: Scenario = {
  id: 'nats-jetstream',
  title: 'NATS JetStream durable topic, publish + consume, 250-byte JSON',
  measures:
    'Messages per second from an awaited JetStream publish (PubAck) to the handler of a durable pull consumer that acknowledges each message, through the NATS on 127.0.0.1:4222: Herald durable topic against raw @nats-io/jetstream with the same ack policy. Up to 256 publishes in flight.',
  kind: 'throughput',
  messages: { quick: 4_000, full: 10_000 },
  baselines: ['jetstream.js'],
  settings: { window: WINDOW, payloadBytes: 250, inFlight: 64, server: '127.0.0.1:4222' },
  unavailable: natsUnavailable,
  async systems() {
    return [heraldJetStreamSystem(LOAD), rawJetStreamSystem(LOAD)];
  },
};
