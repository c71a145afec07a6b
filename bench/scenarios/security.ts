/**
 * Scenarios `security` and `security-replay`: what signing and verification cost per message.
 *
 * `security`: HS256 and EdDSA sign (codec.encode) and verify (codec.decode) side by side; the
 * whole receive pipeline of a bus with each; and the constant-time signature comparison — a
 * forged MAC that differs from the right one in its first byte against one that differs in its
 * last byte, through the full verify and through the comparison alone, next to a naive `===`
 * (which Herald does not use) for contrast.
 *
 * `security-replay`: the same receive pipeline with a shared replay store on the machine's Redis
 * (`SET NX PX`) and PostgreSQL (batched `INSERT … ON CONFLICT`), against no shared store.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { Redis } from 'ioredis';
import { CompactSign, compactVerify } from 'jose';
import pg from 'pg';
import {
  createBus,
  type KeyConfig,
  type Message,
  postgresReplayStore,
  type ReplayStore,
  redisReplayStore,
} from '../../src/index.js';
import { createCodec, createKeyRing, type EnvelopeFields } from '../../src/internal.js';
import { sameMac } from '../../src/security/signature.js';
import { KEYS, PAYLOADS, type Posted, registry, TOPIC } from '../fixtures.js';
import type { PerMode, Scenario, System } from '../harness.js';
import { POSTGRES, postgresUnavailable, REDIS, redisUnavailable } from '../servers.js';
import { blackhole, Deliveries, drive } from '../support.js';
import { captureTransport } from '../systems/capture.js';
import { versionOf } from '../versions.js';

const FAST: PerMode = { quick: 30_000, full: 50_000 };
const CRYPTO: PerMode = { quick: 1_000, full: 10_000 };
const PIPELINE: PerMode = { quick: 1_000, full: 5_000 };
const WINDOW = 512;

const { privateKey } = generateKeyPairSync('ed25519');
const ED_KEYS: KeyConfig = { keys: [{ kid: 'bench-ed', alg: 'EdDSA', privateKey }] };
/** What a receiver holds: the same HS256 secret, or only the Ed25519 public key. */
const verifierKeys = (keys: KeyConfig): KeyConfig =>
  keys === ED_KEYS
    ? { keys: [{ kid: 'bench-ed', alg: 'EdDSA', publicKey: createPublicKey(privateKey) }] }
    : keys;

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
  messages: PerMode,
  fn: (i: number) => number,
  compareTo?: string[],
): System {
  return {
    id,
    label,
    note,
    messages,
    ...(compareTo === undefined ? {} : { compareTo }),
    async run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += fn(i);
      blackhole.value += acc;
      return undefined;
    },
  };
}

/** The character that replaces `c` so the decoded byte changes (never a re-spelling). */
const other = (c: string): string => (c === 'A' ? 'g' : 'A');

function cryptoSystems(): System[] {
  const hs = createKeyRing(KEYS);
  const ed = createKeyRing(ED_KEYS);
  const hsSender = createCodec(hs, 'bench-sender');
  const edSender = createCodec(ed, 'bench-sender');
  const hsReceiver = createCodec(hs, 'bench-receiver');
  const edReceiver = createCodec(ed, 'bench-receiver');
  const hsWire = PAYLOADS.map((_, i) => hsSender.encode(fields(i)));
  const edWire = PAYLOADS.map((_, i) => edSender.encode(fields(i)));
  for (const [codec, wires] of [
    [hsReceiver, hsWire],
    [edReceiver, edWire],
  ] as const) {
    for (const w of wires)
      if (!codec.decode(w).ok) throw new Error('bench message does not verify');
  }
  // Forged MACs: the right one with its first, or its last, character changed.
  const signed = hsWire.map((w) => w.slice(0, w.lastIndexOf(' ') + 1));
  const mac = hsWire.map((w) => w.slice(w.lastIndexOf(' ') + 1));
  // The last of 43 characters carries 4 bits of the MAC: 'A' and 'Q' differ in them.
  const lastOther = (m: string): string => (m.at(-1) === 'A' ? 'Q' : 'A');
  const macFirst = mac.map((m) => `${other(m[0]!)}${m.slice(1)}`);
  const macLast = mac.map((m) => `${m.slice(0, -1)}${lastOther(m)}`);
  const firstWrong = hsWire.map((_, i) => signed[i]! + macFirst[i]!);
  const lastWrong = hsWire.map((_, i) => signed[i]! + macLast[i]!);
  for (const w of [...firstWrong, ...lastWrong]) {
    const r = hsReceiver.decode(w);
    if (r.ok || r.reason !== 'bad_signature') throw new Error('forged MAC was not refused');
  }
  const seq = (r: ReturnType<typeof hsReceiver.decode>): number => (r.ok ? r.envelope.seq : 1);
  return [
    step(
      'hs256-sign',
      'HS256 sign (codec.encode)',
      'herald/2: message JSON, HMAC-SHA256 over the bytes sent (hmac.ts)',
      FAST,
      (i) => hsSender.encode(fields(i)).length,
    ),
    step(
      'eddsa-sign',
      'EdDSA sign (codec.encode)',
      'herald/2: message JSON, Ed25519 with node:crypto sign(null, …)',
      CRYPTO,
      (i) => edSender.encode(fields(i)).length,
      ['hs256-sign'],
    ),
    step(
      'hs256-verify',
      'HS256 verify + decode (codec.decode)',
      'herald/2: head, HMAC-SHA256, timingSafeEqual, body scan and parse',
      FAST,
      (i) => seq(hsReceiver.decode(hsWire[i & 63]!)),
    ),
    step(
      'eddsa-verify',
      'EdDSA verify + decode (codec.decode)',
      'herald/2: head, Ed25519 verify(null, …), body scan and parse',
      CRYPTO,
      (i) => seq(edReceiver.decode(edWire[i & 63]!)),
      ['hs256-verify'],
    ),
    step(
      'mismatch-first',
      'HS256 verify, MAC wrong in its first byte',
      'codec.decode of a forged MAC differing in character 1 of 43: refused as bad_signature',
      FAST,
      (i) => seq(hsReceiver.decode(firstWrong[i & 63]!)),
      ['mismatch-last'],
    ),
    step(
      'mismatch-last',
      'HS256 verify, MAC wrong in its last byte',
      'codec.decode of a forged MAC differing in character 43 of 43: refused as bad_signature',
      FAST,
      (i) => seq(hsReceiver.decode(lastWrong[i & 63]!)),
      ['mismatch-first'],
    ),
    step(
      'compare-first',
      'MAC comparison alone, first byte wrong',
      "Herald's sameMac: equal-length check, then timingSafeEqual over the 43 bytes",
      FAST,
      (i) => (sameMac(mac[i & 63]!, macFirst[i & 63]!) ? 1 : 0),
      ['compare-last'],
    ),
    step(
      'compare-last',
      'MAC comparison alone, last byte wrong',
      "Herald's sameMac on a MAC wrong in its last character",
      FAST,
      (i) => (sameMac(mac[i & 63]!, macLast[i & 63]!) ? 1 : 0),
      ['compare-first'],
    ),
    step(
      'naive-first',
      'naive === (not used), first byte wrong',
      'string === of the two MACs: stops at the first difference',
      FAST,
      (i) => (mac[i & 63] === macFirst[i & 63] ? 1 : 0),
      ['naive-last'],
    ),
    step(
      'naive-last',
      'naive === (not used), last byte wrong',
      'string === of the two MACs: reads up to the last character',
      FAST,
      (i) => (mac[i & 63] === macLast[i & 63] ? 1 : 0),
      ['naive-first'],
    ),
  ];
}

/**
 * Ed25519 alone on the same signing inputs: node:crypto (what the codec calls) against jose (the
 * path not taken), so the two rows differ only in the library.
 */
function ed25519Alone(): System[] {
  const jose = versionOf('jose');
  const publicKey = createPublicKey(privateKey);
  const header = { alg: 'EdDSA', kid: 'bench-ed', typ: 'herald/1', nid: 'bench-sender' };
  const payloads = PAYLOADS.map((_, i) => new TextEncoder().encode(JSON.stringify(fields(i))));
  let signed: string[] = [];
  const inputs = PAYLOADS.map((_, i) => {
    const h = Buffer.from(JSON.stringify(header)).toString('base64url');
    return Buffer.from(`${h}.${Buffer.from(payloads[i]!).toString('base64url')}`, 'latin1');
  });
  const signatures = inputs.map((input) => sign(null, input, privateKey));
  const awaited = (
    id: string,
    label: string,
    note: string,
    compareTo: string,
    fn: (i: number) => Promise<number>,
  ): System => ({
    id,
    label,
    note,
    messages: { quick: 1_000, full: 2_000 },
    compareTo: [compareTo],
    versions: { jose },
    async setup() {
      signed = await Promise.all(
        payloads.map((p) => new CompactSign(p).setProtectedHeader(header).sign(privateKey)),
      );
    },
    async run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += await fn(i);
      blackhole.value += acc;
      return undefined;
    },
  });
  return [
    step(
      'ed25519-sign',
      'Ed25519 sign alone, node:crypto',
      "crypto.sign(null, signingInput, privateKey): the codec's call",
      CRYPTO,
      (i) => sign(null, inputs[i & 63]!, privateKey).length,
    ),
    step(
      'ed25519-verify',
      'Ed25519 verify alone, node:crypto',
      "crypto.verify(null, signingInput, publicKey, signature): the codec's call",
      CRYPTO,
      (i) => (verify(null, inputs[i & 63]!, publicKey, signatures[i & 63]!) ? 1 : 0),
    ),
    awaited(
      'jose-eddsa-sign',
      'jose EdDSA sign (CompactSign)',
      `jose ${jose} CompactSign with a node:crypto KeyObject, awaited one at a time`,
      'ed25519-sign',
      async (i) =>
        (await new CompactSign(payloads[i & 63]!).setProtectedHeader(header).sign(privateKey))
          .length,
    ),
    awaited(
      'jose-eddsa-verify',
      'jose EdDSA verify (compactVerify)',
      `jose ${jose} compactVerify, no payload parse, awaited one at a time`,
      'ed25519-verify',
      async (i) =>
        (await compactVerify(signed[i & 63]!, publicKey, { algorithms: ['EdDSA'] })).payload.length,
    ),
  ];
}

/** The whole receive path of a bus, fed pre-signed messages through its transport sink. */
function pipeline(
  id: string,
  label: string,
  keys: KeyConfig,
  store: (() => Promise<{ store: ReplayStore; close(): Promise<void> }>) | undefined,
  compareTo?: string[],
): System {
  const deliveries = new Deliveries();
  const capture = captureTransport();
  const sender = createCodec(createKeyRing(keys), 'bench-sender');
  const epoch = randomBytes(8).toString('hex');
  let bus: ReturnType<typeof createBus<typeof registry.defs>> | undefined;
  let release: (() => Promise<void>) | undefined;
  let inputs: string[] = [];
  let next = 0;
  return {
    id,
    label,
    note: `transport sink → decode → verify → topic check → in-memory window${store ? ' → shared store claim' : ''} → TypeBox check → dispatch → handler; up to ${WINDOW} in flight`,
    messages: PIPELINE,
    ...(compareTo === undefined ? {} : { compareTo }),
    async setup() {
      const shared = store ? await store() : undefined;
      release = shared?.close;
      bus = createBus({
        registry,
        keys: verifierKeys(keys),
        nodeId: 'bench-receiver',
        transport: capture,
        instrumentation: false,
        ...(shared ? { freshness: { shared: { store: shared.store } } } : {}),
      });
      await bus.start();
      await bus.subscribe(TOPIC, (message: Message) => {
        blackhole.value += (message.payload as Posted).n;
        deliveries.hit();
      });
    },
    prepare(n) {
      inputs = Array.from({ length: n }, (_, i) => sender.encode(fields(next + i, epoch)));
      next += n;
    },
    async run(n) {
      const sink = capture.sink();
      await drive(n, WINDOW, deliveries, (i) => void sink.message(TOPIC, inputs[i]!));
      return undefined;
    },
    verify() {
      const stats = bus!.stats();
      if (stats.rejectedTotal > 0) throw new Error(`${id}: ${stats.rejectedTotal} rejected`);
    },
    async teardown() {
      await bus?.stop();
      await release?.();
    },
  };
}

const redisStore = async () => {
  const client = new Redis({ ...REDIS, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  const prefix = `herald-bench:${randomBytes(4).toString('hex')}:replay:`;
  return { store: redisReplayStore(client, { prefix }), close: async () => client.disconnect() };
};

const postgresStore = async () => {
  const pool = new pg.Pool({ ...POSTGRES, max: 4 });
  pool.on('error', () => undefined);
  const table = `herald_replay_bench_${randomBytes(4).toString('hex')}`;
  const store = postgresReplayStore(pool, { table, cleanupMs: 0 });
  return {
    store,
    close: async () => {
      await store.close();
      await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await pool.end();
    },
  };
};

/** Signing and verification costs, and the constant-time comparison. */
export const securityCost: Scenario = {
  id: 'security',
  title: 'Signatures: HS256 vs EdDSA, and constant-time comparison',
  measures:
    'Microseconds per message to sign and to verify with HS256 and with EdDSA (node:crypto), the whole receive pipeline with each, and the verification of a forged MAC wrong in its first byte next to one wrong in its last byte (full verify, and the comparison alone), with a naive === for contrast.',
  kind: 'cost',
  messages: FAST,
  baselines: [],
  settings: { payloadBytes: 250 },
  async systems() {
    return [
      ...cryptoSystems(),
      ...ed25519Alone(),
      pipeline('receive-hs256', 'receive pipeline, HS256', KEYS, undefined),
      pipeline('receive-eddsa', 'receive pipeline, EdDSA', ED_KEYS, undefined, ['receive-hs256']),
    ];
  },
};

/** The receive pipeline with and without a shared replay store. */
export const securityReplay: Scenario = {
  id: 'security-replay',
  title: 'Receive pipeline with a shared replay store (Redis, PostgreSQL)',
  measures:
    'Microseconds per message through the whole receive pipeline of one bus, HS256 and EdDSA, with the in-memory replay window only and with a shared replay store on the Redis and PostgreSQL of 127.0.0.1 (one claim per message; up to 512 messages in flight).',
  kind: 'cost',
  messages: PIPELINE,
  baselines: [],
  settings: { payloadBytes: 250, window: WINDOW, server: '127.0.0.1' },
  unavailable: redisUnavailable,
  async systems() {
    const withPostgres = (await postgresUnavailable()) === undefined;
    return [
      pipeline('hs256-local', 'HS256, in-memory window only', KEYS, undefined),
      pipeline('hs256-redis', 'HS256 + Redis replay store', KEYS, redisStore, ['hs256-local']),
      ...(withPostgres
        ? [
            pipeline('hs256-postgres', 'HS256 + PostgreSQL replay store', KEYS, postgresStore, [
              'hs256-local',
            ]),
          ]
        : []),
      pipeline('eddsa-local', 'EdDSA, in-memory window only', ED_KEYS, undefined, ['hs256-local']),
      pipeline('eddsa-redis', 'EdDSA + Redis replay store', ED_KEYS, redisStore, ['eddsa-local']),
      ...(withPostgres
        ? [
            pipeline('eddsa-postgres', 'EdDSA + PostgreSQL replay store', ED_KEYS, postgresStore, [
              'eddsa-local',
            ]),
          ]
        : []),
    ];
  },
};
