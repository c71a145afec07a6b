/**
 * Scenario `steps`: the cost of each step of the wire path, in µs per message, measured one step
 * at a time with the same pieces the bus uses (`herald/internal`), next to the hand-written signed
 * JSON an application would write (bench/systems/signed-json.ts): its encode + sign and verify +
 * decode are the targets of Herald's codec, and each row's note gives the bytes on the wire of
 * the 250-byte event. jose's HS256 sign and verify of a JWS over the same payload show why the
 * hot path calls node:crypto.
 */
import { createHmac, createSecretKey, webcrypto } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { createBus, type Message } from '../../src/index.js';
import {
  createCodec,
  createKeyRing,
  createMac,
  createValidator,
  DeliveryQueue,
  type EnvelopeFields,
  headText,
  itemJson,
} from '../../src/internal.js';
import { parseJson } from '../../src/security/json-parse.js';
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
import { createSignedJson } from '../systems/signed-json.js';
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
  const head = headText([key], 'bench-sender', 'benchepoch');
  const bodies = PAYLOADS.map((_, i) => `[${itemJson(fields(i))}]`);
  const signingInputs = bodies.map((body) => `${head} ${body}`);
  const mac = createMac(key);
  const messages = PAYLOADS.map((_, i) => codec.encode(fields(i)));
  const receiver = createCodec(ring, 'bench-receiver');
  for (const m of messages) {
    if (!receiver.decode(m).ok) throw new Error('bench message does not verify');
  }
  const handWritten = createSignedJson(createSecretKey(KEY_BYTES), (v) => validator.check(v));
  const handMessages = PAYLOADS.map((p, i) => handWritten.encode(TOPIC, i + 1, p));
  const meanBytes = (list: readonly string[]): number =>
    Math.round(list.reduce((sum, m) => sum + Buffer.byteLength(m), 0) / list.length);
  const heraldBytes = `${meanBytes(messages)} bytes on the wire (mean of the 64 payloads)`;
  const handBytes = `${meanBytes(handMessages)} bytes on the wire (mean of the 64 payloads)`;
  const joseKey = await webcrypto.subtle.importKey(
    'raw',
    KEY_BYTES,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  const joseHeader = { alg: 'HS256', kid: key.kid };
  // jose signs a JWS (RFC 7515) of the same body: herald/2 is not a JWS, so these rows show
  // what a JOSE library costs for the same work, not a way to read Herald's messages.
  const bytes = bodies.map((t) => new TextEncoder().encode(t));
  const joseMessages = await Promise.all(
    bytes.map((b) => new CompactSign(b).setProtectedHeader(joseHeader).sign(joseKey)),
  );
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
      'encode (message JSON, herald/2: no base64)',
      'itemJson(fields) in its body brackets: what codec.encode does before signing',
      (i) => `[${itemJson(fields(i))}]`.length,
    ),
    step(
      'sign',
      'sign (HMAC-SHA256, hmac.ts)',
      'createMac(key).ofUtf8 over "<head> <body>": the codec signing call (RFC 2104 over two crypto.hash one-shots, key pads precomputed)',
      (i) => mac.ofUtf8(signingInputs[i & 63]!).length,
    ),
    step(
      'sign-createhmac',
      'sign (HMAC-SHA256, createHmac)',
      'createHmac over the same "<head> <body>", digest base64url: what an application would call',
      (i) =>
        createHmac('sha256', key.key)
          .update(signingInputs[i & 63]!)
          .digest('base64url').length,
      { compareTo: ['sign'] },
    ),
    step(
      'encode-sign',
      'encode + sign (codec.encode)',
      `codec.encode(fields): the whole outbound codec step; ${heraldBytes}`,
      (i) => codec.encode(fields(i)).length,
      { compareTo: ['signed-json-encode'] },
    ),
    step(
      'signed-json-encode',
      'hand-written signed JSON: encode + sign',
      `JSON.stringify({topic, seq, time, data}) and createHmac base64url (bench/systems/signed-json.ts); ${handBytes}`,
      (i) => handWritten.encode(TOPIC, i + 1, PAYLOADS[i & 63]).length,
    ),
    step(
      'parse',
      'parse (parseJson: JSON.parse + tree check)',
      'JSON.parse of the body JSON, then its depth/duplicate/forbidden-key check (the scan on any doubt): the decode share of verify',
      (i) => {
        const parsed = parseJson(bodies[i & 63]!, 34);
        return parsed.ok ? (parsed.value as number[][])[0]![0]! : 0;
      },
    ),
    step(
      'verify',
      'verify + decode (codec.decode)',
      'codec.decode of a valid herald/2 message: head, HMAC check (timingSafeEqual), scan, parse, shape',
      (i) => {
        const result = receiver.decode(messages[i & 63]!);
        return result.ok ? result.envelope.seq : 0;
      },
      { compareTo: ['signed-json-decode'] },
    ),
    step(
      'signed-json-decode',
      'hand-written signed JSON: verify + decode',
      'createHmac, timingSafeEqual, JSON.parse and the compiled TypeBox check (bench/systems/signed-json.ts)',
      (i) => (handWritten.decode(handMessages[i & 63]!) === undefined ? 0 : 1),
    ),
    receivePipeline(),
    dispatchStep(),
    {
      id: 'jose-sign',
      label: 'jose HS256 sign (CompactSign)',
      note: `jose ${jose} CompactSign of a JWS over the same body, CryptoKey imported once, awaited one at a time`,
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
      note: `jose ${jose} compactVerify of those JWS, CryptoKey imported once, awaited one at a time (no payload parse)`,
      messages: SLOW,
      compareTo: ['verify'],
      versions: { jose },
      async run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const { payload } = await compactVerify(joseMessages[i & 63]!, joseKey);
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
