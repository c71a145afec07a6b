/**
 * In-process baselines: Node's EventEmitter and mqemitter, with `subscribers` listeners on one
 * topic. Both deliver synchronously inside `emit`; the driver is the same as Herald's.
 */
import { EventEmitter } from 'node:events';
import MQEmitter from 'mqemitter';
import { MQ_TOPIC, PAYLOADS, type Posted, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { blackhole, Deliveries, drive } from '../support.js';
import { versionOf } from '../versions.js';

/** Options of an in-process system. */
export interface InProcessOptions {
  /** Listeners on the topic. */
  readonly subscribers: number;
  /** Messages sent before waiting for their deliveries. */
  readonly window: number;
}

/** `EventEmitter.emit(topic, payload)` to `subscribers` listeners. */
export function eventEmitterSystem({ subscribers, window }: InProcessOptions): System {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const deliveries = new Deliveries();
  return {
    id: 'eventemitter',
    label: 'EventEmitter',
    note: `node:events EventEmitter, ${subscribers} listener(s), synchronous emit`,
    versions: { node: process.versions.node },
    async setup() {
      for (let s = 0; s < subscribers; s++) {
        emitter.on(TOPIC, (payload: Posted) => {
          blackhole.value += payload.n;
          deliveries.hit();
        });
      }
    },
    async run(n) {
      await drive(
        n,
        window,
        deliveries,
        (i) => void emitter.emit(TOPIC, PAYLOADS[i & 63]),
        subscribers,
      );
      return undefined;
    },
    async teardown() {
      emitter.removeAllListeners();
    },
  };
}

/** `mqemitter.emit({ topic, payload })` to `subscribers` listeners (each calls its `done`). */
export function mqemitterSystem({ subscribers, window }: InProcessOptions): System {
  const mq = MQEmitter();
  const deliveries = new Deliveries();
  return {
    id: 'mqemitter',
    label: 'mqemitter',
    note: `mqemitter ${versionOf('mqemitter')}, ${subscribers} listener(s) on "${MQ_TOPIC}", no concurrency limit`,
    versions: { mqemitter: versionOf('mqemitter') },
    async setup() {
      for (let s = 0; s < subscribers; s++) {
        mq.on(MQ_TOPIC, (message, done) => {
          blackhole.value += (message.payload as Posted).n;
          deliveries.hit();
          done();
        });
      }
    },
    async run(n) {
      await drive(
        n,
        window,
        deliveries,
        (i) => void mq.emit({ topic: MQ_TOPIC, payload: PAYLOADS[i & 63] }),
        subscribers,
      );
      return undefined;
    },
    async teardown() {
      await new Promise<void>((resolve) => mq.close(resolve));
    },
  };
}
