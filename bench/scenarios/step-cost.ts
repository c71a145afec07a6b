/**
 * Scenario `steps`: the cost of each step of the wire path, in µs per message, measured one step
 * at a time with the same pieces the bus uses (`herald/internal`). jose's HS256 sign and verify
 * are measured on the same header and payload, to show why the hot path calls node:crypto.
 */
import { createHmac, webcrypto } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { createBus, type Message } from '../../src/index.js';
import {
  createCodec,
  createKeyRing,
  createMac,
  createValidator,
  DeliveryQueue,
  type EnvelopeFields,
  payloadJson,
  protectedHeader,
  scanJson,
} from '../../src/internal.js';
import {
  KEY_BYTES,
  KEYS,
  PAYLOADS,
  type Posted,
  PostedSchema,
  registry,
  TOPIC,
} from '../fixtures.js';
import type { PerMode, Scenario, System } from '../harness.js';
import { blackhole, Deliveries, drive } from '../support.js';
import { captureTransport } from '../systems/capture.js';
import { versionOf } from '../versions.js';

// Counts of the first warm-up run; the harness then sizes runs by time.
const FAST: PerMode = { quick: 30_000, full: 50_000 };
const SLOW: PerMode = { quick: 2_000, full: 3_000 };
const WINDOW = 512;

/** Envelope fields of message `i`. */
const fields = (i: number, epoch = 'benchepoch'): EnvelopeFields => ({
  epoch,
  seq: i + 1,
  time: Date.now(),
  topic: TOPIC,
  event: 'posted',
  version: 1,
  data: PAYLOADS[i & 63],
});

/** A step measured by a synchronous loop whose result feeds the blackhole. */
function step(
  id: string,
  label: string,
  note: string,
  fn: (i: number) => number,
  extra: Partial<System> = {},
): System {
  return {
    id,
    label,
    note,
    messages: FAST,
    async run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += fn(i);
      blackhole.value += acc;
      return undefined;
    },
    ...extra,
  };
}

async function systems(): Promise<System[]> {
  const ring = createKeyRing(KEYS);
  const key = ring.signing[0]!;
  if (key.alg !== 'HS256') throw new Error('the bench key is HS256');
  const codec = createCodec(ring, 'bench-sender');
  const validator = createValidator(PostedSchema);
  const header = protectedHeader(key.kid, key.alg, 'bench-sender');
  const encodedPayloads = PAYLOADS.map((_, i) =>
    Buffer.from(payloadJson(fields(i)), 'utf8').toString('base64url'),
  );
  const signingInputs = encodedPayloads.map((payload) => `${header}.${payload}`);
  const mac = createMac(key);
  const payloadTexts = PAYLOADS.map((_, i) => payloadJson(fields(i)));
  const messages = PAYLOADS.map((_, i) => codec.encode(fields(i)));
  const receiver = createCodec(ring, 'bench-receiver');
  for (const m of messages) {
    if ('reason' in receiver.decode(m)) throw new Error('bench message does not verify');
  }
  const joseKey = await webcrypto.subtle.importKey(
    'raw',
    KEY_BYTES,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  const joseHeader = { alg: 'HS256', kid: key.kid, typ: 'herald/1', nid: 'bench-sender' };
  const bytes = payloadTexts.map((t) => new TextEncoder().encode(t));
  const jose = versionOf('jose');

  return [
    step(
      'validate',
      'validate (compiled TypeBox check)',
      'createValidator(PostedSchema).check(payload): TypeBox TypeCompiler, compiled once',
      (i) => (validator.check(PAYLOADS[i & 63]) ? 1 : 0),
    ),
    step(
      'encode',
      'encode (envelope JSON + base64url)',
      'payloadJson(fields) then Buffer base64url: what codec.encode does before signing',
      (i) => Buffer.from(payloadJson(fields(i)), 'utf8').toString('base64url').length,
    ),
    step(
      'sign',
      'sign (HMAC-SHA256, hmac.ts)',
      'createMac(key).of over "<header>.<payload>": the codec signing call (RFC 2104 over two crypto.hash one-shots, key pads precomputed)',
      (i) => {
        const input = signingInputs[i & 63]!;
        return mac.of(input, input.length).length;
      },
    ),
    step(
      'sign-createhmac',
      'sign (HMAC-SHA256, createHmac)',
      'createHmac over the same "<header>.<payload>", digest base64url: what an application would call',
      (i) =>
        createHmac('sha256', key.key)
          .update(header)
          .update('.')
          .update(encodedPayloads[i & 63]!)
          .digest('base64url').length,
      { compareTo: ['sign'] },
    ),
    step(
      'encode-sign',
      'encode + sign (codec.encode)',
      'codec.encode(fields): the whole outbound codec step',
      (i) => codec.encode(fields(i)).length,
    ),
    step(
      'parse',
      'parse (scanJson + JSON.parse)',
      'depth/duplicate-key scan then JSON.parse of the envelope JSON: the decode share of verify',
      (i) => {
        const text = payloadTexts[i & 63]!;
        return scanJson(text, 33) === undefined ? (JSON.parse(text) as { seq: number }).seq : 0;
      },
    ),
    step(
      'verify',
      'verify + decode (codec.decode)',
      'codec.decode of a valid compact JWS: header, HMAC check (timingSafeEqual), base64url, scan, parse, shape',
      (i) => {
        const result = receiver.decode(messages[i & 63]!);
        return 'seq' in result ? result.seq : 0;
      },
    ),
    receivePipeline(),
    dispatchStep(),
    {
      id: 'jose-sign',
      label: 'jose HS256 sign (CompactSign)',
      note: `jose ${jose} CompactSign with the same protected header and payload, CryptoKey imported once, awaited one at a time`,
      messages: SLOW,
      compareTo: ['sign'],
      versions: { jose },
      async run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const jws = await new CompactSign(bytes[i & 63]!)
            .setProtectedHeader(joseHeader)
            .sign(joseKey);
          acc += jws.length;
        }
        blackhole.value += acc;
        return undefined;
      },
    },
    {
      id: 'jose-verify',
      label: 'jose HS256 verify (compactVerify)',
      note: `jose ${jose} compactVerify of the same messages, CryptoKey imported once, awaited one at a time (no payload parse)`,
      messages: SLOW,
      compareTo: ['verify'],
      versions: { jose },
      async run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const { payload } = await compactVerify(messages[i & 63]!, joseKey);
          acc += payload.length;
        }
        blackhole.value += acc;
        return undefined;
      },
    },
  ];
}

/** The whole receive path of a bus, fed through its transport sink. */
function receivePipeline(): System {
  const deliveries = new Deliveries();
  const capture = captureTransport();
  const sender = createCodec(createKeyRing(KEYS), 'bench-sender');
  const bus = createBus({ registry, keys: KEYS, nodeId: 'bench-receiver', transport: capture });
  let inputs: string[] = [];
  let next = 0;
  return {
    id: 'receive',
    label: 'full receive pipeline (bus)',
    note: 'transport sink → codec.decode → topic check → replay/skew window → TypeBox check → dispatch → handler; pre-encoded messages with fresh sequence numbers',
    messages: FAST,
    async setup() {
      await bus.start();
      await bus.subscribe(TOPIC, (message: Message) => {
        blackhole.value += (message.payload as Posted).n;
        deliveries.hit();
      });
    },
    prepare(n) {
      inputs = Array.from({ length: n }, (_, i) => sender.encode(fields(next + i)));
      next += n;
    },
    async run(n) {
      const sink = capture.sink();
      await drive(n, WINDOW, deliveries, (i) => void sink.message(TOPIC, inputs[i]!));
      return undefined;
    },
    verify() {
      const stats = bus.stats();
      if (stats.rejectedTotal > 0 || stats.overflowDrops > 0) {
        throw new Error(`receive: ${stats.rejectedTotal} rejected, ${stats.overflowDrops} dropped`);
      }
    },
    teardown: () => bus.stop(),
  };
}

/** Local dispatch alone: one subscription's bounded queue, push → handler. */
function dispatchStep(): System {
  const deliveries = new Deliveries();
  const queue = new DeliveryQueue<Posted>(1024, 'drop-oldest', {
    run: (payload) => {
      blackhole.value += payload.n;
      deliveries.hit();
    },
    failed: (_, error) => deliveries.fail(error),
    overflowed: (_, dropped) => deliveries.fail(new Error(`dispatch: ${dropped} dropped`)),
  });
  return {
    id: 'dispatch',
    label: 'dispatch (queue push → handler)',
    note: 'DeliveryQueue.push and its microtask drain into a handler: the per-subscription part of local delivery',
    messages: FAST,
    async run(n) {
      await drive(n, WINDOW, deliveries, (i) => void queue.push(PAYLOADS[i & 63]!));
      return undefined;
    },
  };
}

/** Per-step costs. */
export const stepCost: Scenario = {
  id: 'steps',
  title: 'Cost per message of each step',
  measures:
    'Microseconds per message for each step of the wire path, measured alone on the 250-byte payload, plus jose HS256 for comparison. Tracing is not built yet; its on/off rows will join here.',
  kind: 'cost',
  messages: FAST,
  baselines: [],
  settings: { payloadBytes: 250 },
  systems,
};
