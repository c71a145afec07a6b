/**
 * Generates test/vectors/vectors.json (herald/1, which Herald reads but no longer writes) and,
 * through herald2.ts, test/vectors/herald2.json (herald/2, what Herald writes): signed Herald envelopes with their TEST keys, the exact
 * wire string, the decoded envelope and the verdict a receiver must reach; and
 * test/vectors/names.json (names.ts): channel names, tenant prefixes and claim-check rows.
 *
 *   npx tsx test/vectors/generate.ts          writes the file
 *   npx tsx test/vectors/generate.ts --check  exits 1 when the committed file is stale
 *
 * Accepted vectors are encoded by Herald's codec (deterministic for fixed fields); the negative
 * ones are built by hand with node:crypto, because Herald would never produce them. The keys below
 * are published test keys: never use them for anything else.
 */
import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EnvelopeFields } from '../../src/security/codec.js';
import type { RejectReason } from '../../src/security/reasons.js';
import { tenantTag } from '../../src/security/tenant.js';
import { HERALD2_PATH, renderHerald2 } from './herald2.js';
import { NAMES_PATH, renderNames } from './names.js';

/** An HS256 key as written in a vector: the same text a Herald `KeyConfig` takes. */
export interface HmacVectorKey {
  readonly kid: string;
  readonly secret: string;
}

/** An Ed25519 key as written in a vector: raw 32-byte keys, `base64url:…`. */
export interface EdVectorKey {
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly publicKey: string;
  /** Only where the vector's signer is described; verifiers hold the public key alone. */
  readonly privateKey?: string;
}

/** A key as written in a vector. */
export type VectorKey = HmacVectorKey | EdVectorKey;

/** True for an Ed25519 vector key. */
export const isEdKey = (key: VectorKey): key is EdVectorKey => 'alg' in key && key.alg === 'EdDSA';

/** The header and payload of an accepted vector, decoded. */
export interface AcceptVerdict {
  readonly verdict: 'accept';
  /** Key id whose signature verifies. */
  readonly kid: string;
  /** Message id, `<node>:<epoch>:<seq>`. */
  readonly id: string;
  /** The protected header of the verifying signature (`ten` when signed for a tenant). */
  readonly header: { alg: string; kid: string; typ: string; nid: string; ten?: string };
  /** The exact UTF-8 JSON text inside the payload segment. */
  readonly payloadJson: string;
  /**
   * The payload with the sender's `node` and `kid`; for a single envelope this is what Herald's
   * decoder returns (without `size`, which is `wire.length`).
   */
  readonly envelope: Record<string, unknown>;
  /**
   * A batch (§3a) only: what Herald's decoder returns for each message, in order (without
   * `size`, which is `ceil(wire.length / messages)`).
   */
  readonly messages?: readonly Record<string, unknown>[];
}

/** A vector that must be refused, with Herald's rejection reason. */
export interface RejectVerdict {
  readonly verdict: 'reject';
  readonly reason: RejectReason;
}

/** One test vector. */
export interface Vector {
  readonly name: string;
  readonly description: string;
  readonly serialization: 'compact' | 'general';
  /** The transport channel the message travels on. */
  readonly channel: string;
  /** What the verifying node holds: its allow-list and retired key ids. */
  readonly verifier: {
    readonly node: string;
    readonly keys: readonly VectorKey[];
    readonly retired: readonly string[];
    /** The receiving bus's tenant (`createBus({ tenant })`), when it has one. */
    readonly tenant?: string;
  };
  /** The exact message on the wire (ASCII). */
  readonly wire: string;
  readonly expected: AcceptVerdict | RejectVerdict;
}

/** The whole file. */
export interface VectorFile {
  readonly description: string;
  readonly typ: string;
  readonly vectors: readonly Vector[];
}

// TEST keys, published on purpose. 32 random bytes each.
export const K1: HmacVectorKey = {
  kid: 'k1',
  secret: 'base64url:cU4rgNUyfrf9DulvM9fHzGRRBH3z7XrVlkAc3Oqb_K0',
};
export const K2: HmacVectorKey = {
  kid: 'k2-2026',
  secret: `hex:${Buffer.from('tXPk5AIgZK7YllOdxMrei9EWxn0B1G3O3NnBP2CCn5k', 'base64url').toString('hex')}`,
};
/**
 * The Ed25519 key of RFC 8032 §7.1, TEST 1 (published there): private seed and public key.
 */
export const ED: EdVectorKey = {
  kid: 'ed-2026',
  alg: 'EdDSA',
  publicKey: `base64url:${Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64url')}`,
  privateKey: `base64url:${Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex').toString('base64url')}`,
};
/** What a verifier holds of ED: the public key only. */
export const ED_PUBLIC: EdVectorKey = { kid: ED.kid, alg: 'EdDSA', publicKey: ED.publicKey };

/** DER prefixes of Ed25519 PKCS #8 and SPKI structures (RFC 8410), before the 32 raw bytes. */
export const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
export const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
/** The Ed25519 seed of RFC 8032 §7.1 TEST 2: the attacker's key pair, in no allow-list. */
export const ATTACKER_ED_SEED = Buffer.from(
  '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  'hex',
);

/** Not in any allow-list: the attacker's key. */
export const ATTACKER_SECRET = Buffer.from('SjPCP3JNsKdZriO8aSxMlu3BkFTe4b71V8_0Pt3xoqA', 'base64url');

export const SENDER = 'node-a';
export const RECEIVER = 'node-b';
export const EPOCH = '21e75fd8c279bdc1';
/** 2026-01-01T00:00:00.000Z */
export const TIME = 1_767_225_600_000;

const b64 = (text: string | Buffer): string =>
  (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64url');

function secretBytes(key: HmacVectorKey): Buffer {
  const colon = key.secret.indexOf(':');
  const scheme = key.secret.slice(0, colon);
  const body = key.secret.slice(colon + 1);
  if (scheme === 'hex') return Buffer.from(body, 'hex');
  if (scheme === 'base64') return Buffer.from(body, 'base64');
  return Buffer.from(body, 'base64url');
}


const rawOf = (text: string): Buffer => Buffer.from(text.slice('base64url:'.length), 'base64url');

function hmac(alg: 'sha256' | 'sha512', secret: Buffer, signingInput: string): string {
  return createHmac(alg, secret).update(signingInput).digest('base64url');
}

function header(fields: Record<string, string>): string {
  return b64(JSON.stringify(fields));
}

function verifier(keys: readonly VectorKey[], retired: readonly string[] = [], tenant?: string) {
  return tenant === undefined ? { node: RECEIVER, keys, retired } : { node: RECEIVER, keys, retired, tenant };
}

function accept(signer: VectorKey, fields: EnvelopeFields, payload: string, tenant?: string): AcceptVerdict {
  const alg = isEdKey(signer) ? 'EdDSA' : 'HS256';
  return {
    verdict: 'accept',
    kid: signer.kid,
    id: `${SENDER}:${fields.epoch}:${fields.seq}`,
    header:
      tenant === undefined
        ? { alg, kid: signer.kid, typ: 'herald/1', nid: SENDER }
        : { alg, kid: signer.kid, typ: 'herald/1', nid: SENDER, ten: tenantTag(tenant) },
    payloadJson: payload,
    envelope: { ...fields, node: SENDER, kid: signer.kid },
  };
}

/** The verdict of a batch: its payload as a whole, and each message as Herald reads it. */
function acceptBatch(signer: HmacVectorKey, messages: readonly EnvelopeFields[], payload: string): AcceptVerdict {
  const epoch = messages[0]!.epoch;
  return {
    verdict: 'accept',
    kid: signer.kid,
    id: `${SENDER}:${epoch}:${messages[0]!.seq}`,
    header: { alg: 'HS256', kid: signer.kid, typ: 'herald/1+batch', nid: SENDER },
    payloadJson: payload,
    envelope: { ...(JSON.parse(payload) as object), node: SENDER, kid: signer.kid },
    messages: messages.map((m) => ({ ...m, node: SENDER, kid: signer.kid })),
  };
}

/**
 * A herald/1 JWS, written here from docs/wire-format.md §8: Herald reads herald/1 but no longer
 * writes it, so these vectors are signed by this file alone (node:crypto, JSON.stringify).
 */
function v1Payload(fields: Record<string, unknown>): string {
  const { epoch, seq, time, topic, event, version, to, traceparent, tracestate, data } = fields;
  return JSON.stringify({ epoch, seq, time, topic, event, version, to, traceparent, tracestate, data: data ?? null });
}

function v1Sign(key: VectorKey, headerSeg: string, payloadSeg: string): string {
  const input = `${headerSeg}.${payloadSeg}`;
  if (!isEdKey(key)) return hmac('sha256', secretBytes(key), input);
  const seed = rawOf(key.privateKey!);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return sign(null, Buffer.from(input, 'latin1'), privateKey).toString('base64url');
}

function v1Header(key: VectorKey, batch: boolean, tenant?: string): string {
  const alg = isEdKey(key) ? 'EdDSA' : 'HS256';
  const typ = batch ? 'herald/1+batch' : 'herald/1';
  return header(
    tenant === undefined
      ? { alg, kid: key.kid, typ, nid: SENDER }
      : { alg, kid: key.kid, typ, nid: SENDER, ten: tenantTag(tenant) },
  );
}

function v1Encode(keys: readonly VectorKey[], json: string, batch: boolean, tenant?: string): string {
  const payload = b64(json);
  if (keys.length === 1) {
    const h = v1Header(keys[0]!, batch, tenant);
    return `${h}.${payload}.${v1Sign(keys[0]!, h, payload)}`;
  }
  const signatures = keys.map((key) => {
    const h = v1Header(key, batch, tenant);
    return { protected: h, signature: v1Sign(key, h, payload) };
  });
  return JSON.stringify({ payload, signatures });
}

function encodeBatchWith(key: HmacVectorKey, messages: readonly EnvelopeFields[]): string {
  const items = messages.map(({ epoch: _epoch, ...item }) => {
    const json = v1Payload({ epoch: undefined, ...item });
    return json;
  });
  return v1Encode([key], `{"epoch":${JSON.stringify(messages[0]!.epoch)},"batch":[${items.join(',')}]}`, true);
}

function encodeWith(keys: readonly VectorKey[], fields: EnvelopeFields, tenant?: string): string {
  return v1Encode(keys, v1Payload({ ...fields }), false, tenant);
}

/** Builds every vector. Pure: the same output on every run. */
export function buildVectors(): VectorFile {
  const chat: EnvelopeFields = {
    epoch: EPOCH,
    seq: 1,
    time: TIME,
    topic: 'room:42',
    event: 'message',
    version: 1,
    data: {
      text: 'héllo, wörld 👋',
      author: 'ada',
      tags: ['a', 'b'],
      n: 3.5,
      ok: true,
      none: null,
    },
  };
  const compact = encodeWith([K1], chat);
  const [h1, p1] = compact.split('.') as [string, string, string];
  const chatJson = Buffer.from(p1, 'base64url').toString('utf8');

  const rotation: EnvelopeFields = { ...chat, seq: 2, data: { text: 'rotating keys' } };
  const general = encodeWith([K1, K2], rotation);
  const rotationJson = Buffer.from(
    (JSON.parse(general) as { payload: string }).payload,
    'base64url',
  ).toString('utf8');

  const direct: EnvelopeFields = {
    epoch: EPOCH,
    seq: 3,
    time: TIME + 1,
    topic: 'user:7:inbox',
    event: 'notice',
    version: 2,
    to: RECEIVER,
    data: { body: 'for node-b only' },
  };
  const directWire = encodeWith([K1], direct);

  const traced: EnvelopeFields = {
    epoch: EPOCH,
    seq: 4,
    time: TIME + 2,
    topic: 'orders:eu',
    event: 'shipped',
    version: 1,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'vendor=abc,other=x:y',
    data: { orderId: 'o-1001', items: 2 },
  };
  const tracedWire = encodeWith([K1], traced);

  const raw: EnvelopeFields = {
    epoch: EPOCH,
    seq: 5,
    time: TIME + 3,
    topic: 'legacy:feed',
    event: 'anything',
    version: 0,
    data: [1, 'two', { three: [3] }],
  };
  const rawWire = encodeWith([K1], raw);

  const payloadOf = (wire: string): string =>
    Buffer.from(wire.split('.')[1]!, 'base64url').toString('utf8');

  const batched: EnvelopeFields[] = [
    { epoch: EPOCH, seq: 6, time: TIME + 4, topic: 'room:42', event: 'message', version: 1, data: { text: 'first of two', author: 'ada' } },
    { epoch: EPOCH, seq: 7, time: TIME + 4, topic: 'room:42', event: 'message', version: 1, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', data: { text: 'second of two', author: 'ada' } },
  ];
  const batchWire = encodeBatchWith(K1, batched);
  const [bh, bp, bs] = batchWire.split('.') as [string, string, string];
  // The second message's seq changed from 7 to 6: a replay smuggled into a signed batch.
  const batchTampered = `${bh}.${b64(payloadOf(batchWire).replace('"seq":7', '"seq":6'))}.${bs}`;
  const k1 = secretBytes(K1);

  // Negative vectors.
  const tamperedPayload = `${h1}.${b64(chatJson.replace('"author":"ada"', '"author":"eve"'))}.${compact.split('.')[2]}`;
  const forgedHeader = header({ alg: 'HS256', kid: 'k1', typ: 'herald/1', nid: 'node-z' });
  const tamperedHeader = `${forgedHeader}.${p1}.${compact.split('.')[2]}`;
  const wrongKey = `${h1}.${p1}.${hmac('sha256', ATTACKER_SECRET, `${h1}.${p1}`)}`;
  const unknownHeader = header({ alg: 'HS256', kid: 'k9', typ: 'herald/1', nid: SENDER });
  const unknownKid = `${unknownHeader}.${p1}.${hmac('sha256', ATTACKER_SECRET, `${unknownHeader}.${p1}`)}`;
  const noneHeader = header({ alg: 'none', kid: 'k1', typ: 'herald/1', nid: SENDER });
  const algNone = `${noneHeader}.${p1}.`;
  const hs512Header = header({ alg: 'HS512', kid: 'k1', typ: 'herald/1', nid: SENDER });
  const algHs512 = `${hs512Header}.${p1}.${hmac('sha512', k1, `${hs512Header}.${p1}`)}`;
  const jwtHeader = header({ alg: 'HS256', kid: 'k1', typ: 'JWT', nid: SENDER });
  const wrongTyp = `${jwtHeader}.${p1}.${hmac('sha256', k1, `${jwtHeader}.${p1}`)}`;
  const generalObject = JSON.parse(general) as {
    payload: string;
    signatures: { protected: string; signature: string }[];
  };
  const generalTampered = JSON.stringify({
    ...generalObject,
    payload: b64(rotationJson.replace('rotating keys', 'rotating kegs')),
  });

  // EdDSA (Ed25519, RFC 8037): deterministic signatures, so these vectors are reproducible.
  const edFields: EnvelopeFields = {
    ...chat,
    seq: 6,
    topic: 'alerts:critical',
    event: 'raised',
    data: { alertId: 'a-17', text: 'disk full on node-a' },
  };
  const edWire = encodeWith([ED], edFields);
  const [edH, edP, edS] = edWire.split('.') as [string, string, string];
  const edJson = payloadOf(edWire);
  const migration: EnvelopeFields = { ...chat, seq: 7, data: { text: 'moving to EdDSA' } };
  const migrationWire = encodeWith([K1, ED], migration);
  const migrationJson = Buffer.from(
    (JSON.parse(migrationWire) as { payload: string }).payload,
    'base64url',
  ).toString('utf8');
  const edTampered = `${edH}.${b64(edJson.replace('disk full', 'all fine'))}.${edS}`;
  // The classic confusion: HS256 "signed" with the verifier's public key as the HMAC secret.
  const confusedHeader = header({ alg: 'HS256', kid: ED.kid, typ: 'herald/1', nid: SENDER });
  const publicRaw = rawOf(ED.publicKey);
  const publicPem = Buffer.from(
    createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicRaw]), format: 'der', type: 'spki' })
      .export({ format: 'pem', type: 'spki' }) as string,
  );
  const confusedRaw = `${confusedHeader}.${edP}.${hmac('sha256', publicRaw, `${confusedHeader}.${edP}`)}`;
  const confusedPem = `${confusedHeader}.${edP}.${hmac('sha256', publicPem, `${confusedHeader}.${edP}`)}`;
  const edNoneHeader = header({ alg: 'none', kid: ED.kid, typ: 'herald/1', nid: SENDER });
  const edNone = `${edNoneHeader}.${edP}.`;
  const attacker = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, ATTACKER_ED_SEED]),
    format: 'der',
    type: 'pkcs8',
  });
  const edWrongKey = `${edH}.${edP}.${sign(null, Buffer.from(`${edH}.${edP}`), attacker).toString('base64url')}`;

  // Tenants (docs/wire-format.md §2 `ten`): the same key, two tenants.
  const tenanted: EnvelopeFields = { ...chat, seq: 8, data: { text: 'for acme only' } };
  const tenantWire = encodeWith([K1], tenanted, 'acme');
  // A signed payload whose bytes are not UTF-8 (an overlong "/", C0 AF, inside a string).
  const notUtf8Payload = Buffer.concat([
    Buffer.from(`{"epoch":"${EPOCH}","seq":9,"time":${TIME},"topic":"room:42","event":"message","version":1,"data":{"text":"`),
    Buffer.from([0xc0, 0xaf]),
    Buffer.from('"}}'),
  ]);
  const notUtf8P = b64(notUtf8Payload);
  const notUtf8 = `${h1}.${notUtf8P}.${hmac('sha256', k1, `${h1}.${notUtf8P}`)}`;

  const vectors: Vector[] = [
    {
      name: 'compact-single-signature',
      description:
        'A broadcast on room:42 signed with one key: JWS compact serialization. Non-ASCII text in data travels as UTF-8 inside the base64url payload.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: compact,
      expected: accept(K1, chat, chatJson),
    },
    {
      name: 'general-two-signatures',
      description:
        'During a key rotation the publisher signs with k1 and k2-2026: JWS general JSON serialization (RFC 7515 §7.2.1), one entry per key. k2-2026 is written in hex: format.',
      serialization: 'general',
      channel: rotation.topic,
      verifier: verifier([K1, K2]),
      wire: general,
      expected: accept(K1, rotation, rotationJson),
    },
    {
      name: 'general-two-signatures-new-key-only',
      description:
        'The same rotation message, checked by a node that already dropped k1: the k2-2026 signature verifies.',
      serialization: 'general',
      channel: rotation.topic,
      verifier: verifier([K2]),
      wire: general,
      expected: accept(K2, rotation, rotationJson),
    },
    {
      name: 'general-two-signatures-old-key-retired',
      description:
        'The same rotation message at a node that lists k1 as retired: the k2-2026 signature still verifies.',
      serialization: 'general',
      channel: rotation.topic,
      verifier: verifier([K2], ['k1']),
      wire: general,
      expected: accept(K2, rotation, rotationJson),
    },
    {
      name: 'direct-broadcast',
      description:
        'A directBroadcast to node-b: the signed "to" names the target and the channel is $node:node-b, not the topic.',
      serialization: 'compact',
      channel: `$node:${RECEIVER}`,
      verifier: verifier([K1]),
      wire: directWire,
      expected: accept(K1, direct, payloadOf(directWire)),
    },
    {
      name: 'trace-context',
      description:
        'W3C trace context (traceparent, tracestate) inside the signed payload, so it cannot be swapped.',
      serialization: 'compact',
      channel: traced.topic,
      verifier: verifier([K1]),
      wire: tracedWire,
      expected: accept(K1, traced, payloadOf(tracedWire)),
    },
    {
      name: 'batch-two-messages',
      description:
        'A batch envelope (typ herald/1+batch, docs/wire-format.md §3a): two messages of one channel under one HMAC; each is received on its own.',
      serialization: 'compact',
      channel: 'room:42',
      verifier: verifier([K1]),
      wire: batchWire,
      expected: acceptBatch(K1, batched, payloadOf(batchWire)),
    },
    {
      name: 'batch-tampered',
      description:
        'batch-two-messages with the second message\'s seq changed; the signature covers the whole batch.',
      serialization: 'compact',
      channel: 'room:42',
      verifier: verifier([K1]),
      wire: batchTampered,
      expected: { verdict: 'reject', reason: 'bad_signature' },
    },
    {
      name: 'raw-topic',
      description: 'A broadcastRaw on a raw topic: schema version 0, any JSON value as data.',
      serialization: 'compact',
      channel: raw.topic,
      verifier: verifier([K1]),
      wire: rawWire,
      expected: accept(K1, raw, payloadOf(rawWire)),
    },
    {
      name: 'tampered-payload',
      description:
        'compact-single-signature with "author" changed in the payload; the signature is the original one.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: tamperedPayload,
      expected: { verdict: 'reject', reason: 'bad_signature' },
    },
    {
      name: 'tampered-header',
      description:
        'compact-single-signature with the protected header re-written to claim node-z; the signature is the original one.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: tamperedHeader,
      expected: { verdict: 'reject', reason: 'bad_signature' },
    },
    {
      name: 'general-tampered-payload',
      description:
        'general-two-signatures with one word of data changed: neither signature verifies.',
      serialization: 'general',
      channel: rotation.topic,
      verifier: verifier([K1, K2]),
      wire: generalTampered,
      expected: { verdict: 'reject', reason: 'bad_signature' },
    },
    {
      name: 'wrong-key',
      description: 'Names kid k1 but is signed with a different secret (the attacker key).',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: wrongKey,
      expected: { verdict: 'reject', reason: 'bad_signature' },
    },
    {
      name: 'unknown-kid',
      description: 'Signed with kid k9, which is not in the allow-list.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: unknownKid,
      expected: { verdict: 'reject', reason: 'unknown_key' },
    },
    {
      name: 'retired-kid',
      description: 'Signed with k1 only, at a node that moved to k2-2026 and lists k1 as retired.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K2], ['k1']),
      wire: compact,
      expected: { verdict: 'reject', reason: 'retired_key' },
    },
    {
      name: 'alg-none',
      description:
        'The unsecured JWS attack: header alg "none" and an empty signature, naming a valid kid.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: algNone,
      expected: { verdict: 'reject', reason: 'algorithm_mismatch' },
    },
    {
      name: 'alg-hs512',
      description:
        'Header alg "HS512" with a valid HMAC-SHA512 under the HS256 key k1: a verifier that trusted the header would accept it; the algorithm is pinned per key.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: algHs512,
      expected: { verdict: 'reject', reason: 'algorithm_mismatch' },
    },
    {
      name: 'wrong-typ',
      description:
        'A correctly signed JWS whose header typ is "JWT", not "herald/1": not a Herald envelope.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1]),
      wire: wrongTyp,
      expected: { verdict: 'reject', reason: 'malformed' },
    },
    {
      name: 'eddsa-compact',
      description:
        'Signed with the Ed25519 key ed-2026 (RFC 8032 §7.1 TEST 1): header alg "EdDSA", an 86-character signature. The verifier holds only the public key.',
      serialization: 'compact',
      channel: edFields.topic,
      verifier: verifier([ED_PUBLIC]),
      wire: edWire,
      expected: accept(ED, edFields, edJson),
    },
    {
      name: 'eddsa-general-migration',
      description:
        'Moving from HS256 to EdDSA: signed with k1 (HS256) and ed-2026 (EdDSA) in one general JSON message. A verifier holding only the Ed25519 public key accepts it through the EdDSA entry.',
      serialization: 'general',
      channel: migration.topic,
      verifier: verifier([ED_PUBLIC]),
      wire: migrationWire,
      expected: accept(ED, migration, migrationJson),
    },
    {
      name: 'eddsa-general-migration-hs256-verifier',
      description:
        'The same migration message at a node that still holds only k1: the HS256 entry verifies.',
      serialization: 'general',
      channel: migration.topic,
      verifier: verifier([K1]),
      wire: migrationWire,
      expected: accept(K1, migration, migrationJson),
    },
    {
      name: 'eddsa-tampered-payload',
      description: 'eddsa-compact with its text changed; the signature is the original one.',
      serialization: 'compact',
      channel: edFields.topic,
      verifier: verifier([ED_PUBLIC]),
      wire: edTampered,
      expected: { verdict: 'reject', reason: 'bad_signature' },
    },
    {
      name: 'eddsa-wrong-key',
      description:
        'Names kid ed-2026 but is signed by another Ed25519 key (RFC 8032 §7.1 TEST 2, the attacker).',
      serialization: 'compact',
      channel: edFields.topic,
      verifier: verifier([ED_PUBLIC]),
      wire: edWrongKey,
      expected: { verdict: 'reject', reason: 'bad_signature' },
    },
    {
      name: 'eddsa-hs256-confusion-raw',
      description:
        'The algorithm confusion attack: header alg "HS256" naming the EdDSA key, "signed" with HMAC-SHA256 keyed by the 32 raw bytes of its public key. The key is pinned to EdDSA.',
      serialization: 'compact',
      channel: edFields.topic,
      verifier: verifier([ED_PUBLIC]),
      wire: confusedRaw,
      expected: { verdict: 'reject', reason: 'algorithm_mismatch' },
    },
    {
      name: 'eddsa-hs256-confusion-pem',
      description:
        'The same attack keyed by the SPKI PEM text of the public key (the classic JWT library bug).',
      serialization: 'compact',
      channel: edFields.topic,
      verifier: verifier([ED_PUBLIC]),
      wire: confusedPem,
      expected: { verdict: 'reject', reason: 'algorithm_mismatch' },
    },
    {
      name: 'eddsa-alg-none',
      description: 'Header alg "none" and an empty signature, naming the EdDSA key.',
      serialization: 'compact',
      channel: edFields.topic,
      verifier: verifier([ED_PUBLIC]),
      wire: edNone,
      expected: { verdict: 'reject', reason: 'algorithm_mismatch' },
    },
    {
      name: 'tenant-bound',
      description:
        'Signed by a bus of tenant "acme": the header carries ten, the tenant tag (first 32 hex digits of SHA-256 of "herald-tenant:acme"). A receiver of tenant acme accepts it.',
      serialization: 'compact',
      channel: tenanted.topic,
      verifier: verifier([K1], [], 'acme'),
      wire: tenantWire,
      expected: accept(K1, tenanted, payloadOf(tenantWire), 'acme'),
    },
    {
      name: 'tenant-replayed-to-other-tenant',
      description:
        'tenant-bound copied into the namespace of tenant "globex", which shares the key: the signature verifies, the signed tenant tag is not globex\'s.',
      serialization: 'compact',
      channel: tenanted.topic,
      verifier: verifier([K1], [], 'globex'),
      wire: tenantWire,
      expected: { verdict: 'reject', reason: 'wrong_tenant' },
    },
    {
      name: 'tenant-bound-at-receiver-without-tenant',
      description: 'tenant-bound at a receiver that has no tenant: a tenant\'s message is refused.',
      serialization: 'compact',
      channel: tenanted.topic,
      verifier: verifier([K1]),
      wire: tenantWire,
      expected: { verdict: 'reject', reason: 'wrong_tenant' },
    },
    {
      name: 'no-tenant-at-tenant-receiver',
      description:
        'compact-single-signature (signed for no tenant) at a receiver of tenant "acme": refused.',
      serialization: 'compact',
      channel: chat.topic,
      verifier: verifier([K1], [], 'acme'),
      wire: compact,
      expected: { verdict: 'reject', reason: 'wrong_tenant' },
    },
    {
      name: 'payload-not-utf8',
      description:
        'A correctly signed payload whose bytes are not UTF-8 (C0 AF, an overlong "/", inside a string): the payload is UTF-8 JSON (§3), so it is malformed, not repaired with U+FFFD.',
      serialization: 'compact',
      channel: 'room:42',
      verifier: verifier([K1]),
      wire: notUtf8,
      expected: { verdict: 'reject', reason: 'malformed' },
    },
  ];
  return {
    description:
      'Herald wire format test vectors (docs/wire-format.md). Keys are TEST keys. The verdict is the codec verdict: signature, key and envelope checks; freshness and the registry are not involved. Generated by test/vectors/generate.ts.',
    typ: 'herald/1',
    vectors,
  };
}

/** Where the committed vectors live. */
export const VECTORS_PATH = fileURLToPath(new URL('./vectors.json', import.meta.url));

/** The file's exact text. */
export function renderVectors(): string {
  return `${JSON.stringify(buildVectors(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, text] of [
    [VECTORS_PATH, renderVectors()],
    [HERALD2_PATH, renderHerald2()],
    [NAMES_PATH, renderNames()],
  ] as const) {
    if (process.argv.includes('--check')) {
      if (readFileSync(path, 'utf8') !== text) {
        console.error(`${path} is stale: run npx tsx test/vectors/generate.ts`);
        process.exit(1);
      }
      console.log(`${path} is up to date`);
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
}
