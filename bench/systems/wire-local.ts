/**
 * Systems that put messages "on the wire" inside one process: Herald with two buses on a
 * `createLocalHub()` (encode, sign, verify, freshness, validate on every message), and the
 * baselines that serialize over an EventEmitter — plain JSON, and hand-written signed JSON.
 * Each message carries its number in `payload.n`, so every delivery also records a latency.
 */
import { createSecretKey } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createLocalHub, localTransport } from '../../src/index.js';
import { createValidator } from '../../src/internal.js';
import { KEY_BYTES, type Posted, PostedSchema, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { Deliveries, drive, Latencies } from '../support.js';
import { heraldVersion } from '../versions.js';
import { heraldPairSystem, numbered } from './herald-pair.js';
import { createSignedJson } from './signed-json.js';

/** Herald: publisher bus → in-process hub → subscriber bus, validation and signing on. */
export function heraldHubSystem(window: number): System {
  const hub = createLocalHub();
  return heraldPairSystem({
    id: 'herald-hub',
    label: 'Herald, 2 buses on a local hub',
    note: `herald ${heraldVersion()}: bus A validates, encodes and HMAC-signs; createLocalHub() carries the herald/2 message text (a setImmediate hop); bus B decodes, verifies, checks replay/skew, validates and dispatches`,
    load: { window },
    transport: () => localTransport({ hub }),
  });
}

/** `JSON.stringify` → EventEmitter → `JSON.parse` → handler: serialization only, no security. */
export function jsonEmitterSystem(window: number): System {
  const emitter = new EventEmitter();
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  emitter.on(TOPIC, (text: string) => {
    latencies.received((JSON.parse(text) as Posted).n);
    deliveries.hit();
  });
  return {
    id: 'json-ee',
    label: 'JSON over EventEmitter',
    note: 'JSON.stringify, synchronous EventEmitter.emit, JSON.parse; no signature, no validation',
    prepare: (n) => latencies.reset(n),
    async run(n) {
      await drive(n, window, deliveries, (i) => {
        latencies.sent(i);
        emitter.emit(TOPIC, JSON.stringify(numbered(i)));
        return undefined;
      });
      return { latencyMs: latencies.result() };
    },
  };
}

/** Hand-written HMAC-signed JSON with a compiled TypeBox check, over EventEmitter. */
export function signedJsonEmitterSystem(window: number): System {
  const emitter = new EventEmitter();
  const deliveries = new Deliveries();
  const latencies = new Latencies();
  const validator = createValidator(PostedSchema);
  const codec = createSignedJson(createSecretKey(KEY_BYTES), (v) => validator.check(v));
  let rejected = 0;
  emitter.on(TOPIC, (text: string) => {
    const data = codec.decode(text) as Posted | undefined;
    if (data === undefined) {
      rejected++;
      return;
    }
    latencies.received(data.n);
    deliveries.hit();
  });
  return {
    id: 'signed-json-ee',
    label: 'hand-written signed JSON over EventEmitter',
    note: 'compiled TypeBox check, JSON body + HMAC-SHA256 (node:crypto), synchronous EventEmitter.emit, timingSafeEqual verify, JSON.parse, TypeBox check; no replay window',
    prepare: (n) => latencies.reset(n),
    async run(n) {
      await drive(n, window, deliveries, (i) => {
        latencies.sent(i);
        const data = numbered(i);
        if (!validator.check(data)) throw new Error('invalid bench payload');
        emitter.emit(TOPIC, codec.encode(TOPIC, i, data));
        return undefined;
      });
      return { latencyMs: latencies.result() };
    },
    verify() {
      if (rejected > 0) throw new Error(`signed-json-ee: ${rejected} messages rejected`);
    },
  };
}
