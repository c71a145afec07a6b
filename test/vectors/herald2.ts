/**
 * Builds test/vectors/herald2.json: `herald/2` messages (docs/wire-format.md) with their TEST
 * keys, the exact wire text, and the verdict a receiver must reach — for an accepted one, every
 * message it carries as Herald's decoder returns it (without `size`, which is the wire's bytes,
 * shared out in a batch). Written by test/vectors/generate.ts (`--check` fails when stale).
 *
 * Accepted vectors are encoded by Herald's codec; the refused ones are signed here by hand with
 * node:crypto (HMAC-SHA256 or Ed25519 over the bytes before the last space), because Herald would
 * never produce them.
 */
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createCodec, type EnvelopeFields } from '../../src/security/codec.js';
import { createKeyRing, type KeySpec } from '../../src/security/keys.js';
import { tenantTag } from '../../src/security/tenant.js';
import {
  ATTACKER_SECRET,
  ED,
  ED_PUBLIC,
  EPOCH,
  type EdVectorKey,
  type HmacVectorKey,
  isEdKey,
  K1,
  K2,
  PKCS8_ED25519,
  RECEIVER,
  SENDER,
  TIME,
  type VectorKey,
} from './generate.js';

/** One herald/2 vector. */
export interface Herald2Vector {
  readonly name: string;
  readonly description: string;
  readonly channel: string;
  readonly verifier: {
    readonly node: string;
    readonly keys: readonly VectorKey[];
    readonly retired: readonly string[];
    readonly tenant?: string;
  };
  /** The message as text; absent when its bytes are not UTF-8 (then `wireBase64`). */
  readonly wire?: string;
  readonly wireBase64?: string;
  readonly expected:
    | {
        readonly verdict: 'accept';
        readonly kid: string;
        readonly ids: readonly string[];
        readonly messages: readonly Record<string, unknown>[];
      }
    | { readonly verdict: 'reject'; readonly reason: string };
}

const spec = (key: VectorKey): KeySpec =>
  isEdKey(key) ? { ...key } : { kid: key.kid, secret: key.secret };

function encodeWith(keys: readonly VectorKey[], list: readonly EnvelopeFields[], tenant?: string) {
  const ring = createKeyRing({ keys: keys.map(spec), sign: keys.map((k) => k.kid) });
  const codec = createCodec(ring, SENDER, {}, tenant);
  if (list.length === 1) return codec.encode(list[0]!);
  return codec.encodeBatch(
    list[0]!.epoch,
    list.map(({ epoch: _e, ...item }) => codec.item(item)),
  );
}

const secretOf = (key: HmacVectorKey): Buffer => {
  const colon = key.secret.indexOf(':');
  const scheme = key.secret.slice(0, colon);
  const body = key.secret.slice(colon + 1);
  return Buffer.from(body, scheme === 'hex' ? 'hex' : scheme === 'base64' ? 'base64' : 'base64url');
};

/** Signs `<head> <body>` by hand: one signature per claim, with `secrets[i]` or an Ed25519 key. */
function signByHand(head: string, body: Buffer, signers: readonly (Buffer | EdVectorKey)[]) {
  const input = Buffer.concat([Buffer.from(`${head} `), body]);
  const sigs = signers.map((s) => {
    if (Buffer.isBuffer(s)) return createHmac('sha256', s).update(input).digest('base64url');
    const seed = Buffer.from(s.privateKey!.slice('base64url:'.length), 'base64url');
    const key = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    return sign(null, input, key).toString('base64url');
  });
  return Buffer.concat([input, Buffer.from(` ${sigs.join(',')}`)]);
}


function verifier(keys: readonly VectorKey[], retired: readonly string[] = [], tenant?: string) {
  const v = { node: RECEIVER, keys, retired };
  return tenant === undefined ? v : { ...v, tenant };
}

/** What Herald's decoder returns for each message, without `size`. */
function accept(kid: string, list: readonly EnvelopeFields[]) {
  return {
    verdict: 'accept' as const,
    kid,
    ids: list.map((f) => `${SENDER}:${f.epoch}:${f.seq}`),
    messages: list.map((f) => ({ ...f, node: SENDER, kid })),
  };
}

const reject = (reason: string) => ({ verdict: 'reject' as const, reason });

/** Builds every herald/2 vector. Pure: the same output on every run. */
export function buildHerald2(): readonly Herald2Vector[] {
  // Read here, not at load: generate.ts and this module import each other.
  const HEAD = `herald/2 HS256:${K1.kid} ${SENDER} ${EPOCH}`;
  const base = { epoch: EPOCH, seq: 1, time: TIME, topic: 'room:42', event: 'message', version: 1 };
  const chat: EnvelopeFields = {
    ...base,
    data: { text: 'héllo, wörld 👋', author: 'ada', tags: ['a', 'b'], n: 3.5, ok: true, none: null },
  };
  const rotation: EnvelopeFields = { ...base, seq: 2, data: { text: 'rotating keys' } };
  const direct: EnvelopeFields = { ...base, seq: 3, to: RECEIVER, data: { text: 'just you' } };
  const traced: EnvelopeFields = {
    ...base,
    seq: 4,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'vendor=abc',
    data: { text: 'traced' },
  };
  const raw: EnvelopeFields = { ...base, seq: 5, topic: 'raw:feed', event: 'raw', version: 0, data: null };
  const batch: EnvelopeFields[] = [
    { ...base, seq: 7, data: { text: 'first' } },
    { ...base, seq: 8, time: TIME + 1, data: { text: 'second' } },
  ];
  const ed: EnvelopeFields = { ...base, seq: 9, topic: 'alerts', event: 'raised', data: { text: 'disk full' } };
  const tenanted: EnvelopeFields = { ...base, seq: 10, data: { text: 'acme only' } };
  const chatWire = encodeWith([K1], [chat]);
  const bodyOf = (wire: string) => wire.slice(wire.indexOf(' [') + 1, wire.lastIndexOf(' '));
  const chatBody = Buffer.from(bodyOf(chatWire));
  const tenantWire = encodeWith([K1], [tenanted], 'acme');
  const edPublicRaw = Buffer.from(ED.publicKey.slice('base64url:'.length), 'base64url');
  const signed = (body: string | Buffer, head = HEAD, signers: readonly (Buffer | EdVectorKey)[] = [secretOf(K1)]) =>
    signByHand(head, Buffer.from(body), signers).toString('utf8');
  const deep = `[[1,${TIME},"room:42","message",1,${'['.repeat(33)}${']'.repeat(33)}]]`;
  const notUtf8 = signByHand(HEAD, Buffer.from(`[[1,${TIME},"room:42","message",1,"\xc0\xaf"]]`, 'latin1'), [secretOf(K1)]);
  const v = (name: string, description: string, channel: string, ver: Herald2Vector['verifier'], wire: string, expected: Herald2Vector['expected']): Herald2Vector =>
    ({ name, description, channel, verifier: ver, wire, expected });
  return [
    v('single-hs256', 'One message, one HS256 key: the worked example of docs/wire-format.md §5.', 'room:42', verifier([K1]), chatWire, accept(K1.kid, [chat])),
    v('rotation-new-key-only', 'Signed with k1 and k2-2026 (a rotation, §4): a receiver holding only the new key accepts it by the second signature.', 'room:42', verifier([K2]), encodeWith([K1, K2], [rotation]), accept(K2.kid, [rotation])),
    v('rotation-old-key-only', 'The same message at a receiver holding only the old key: accepted by the first signature.', 'room:42', verifier([K1]), encodeWith([K1, K2], [rotation]), accept(K1.kid, [rotation])),
    v('direct', 'A directBroadcast to node-b: `to` is the seventh member; it travels on $node:node-b.', `$node:${RECEIVER}`, verifier([K1]), encodeWith([K1], [direct]), accept(K1.kid, [direct])),
    v('trace-context', 'traceparent and tracestate, with `to` absent written as null before them.', 'room:42', verifier([K1]), encodeWith([K1], [traced]), accept(K1.kid, [traced])),
    v('raw-topic', 'A raw topic: version 0, data null.', 'raw:feed', verifier([K1]), encodeWith([K1], [raw]), accept(K1.kid, [raw])),
    v('batch-two-messages', 'Two messages of one channel under one signature (§3): each is received on its own.', 'room:42', verifier([K1]), encodeWith([K1], batch), accept(K1.kid, batch)),
    v('eddsa', 'Signed with Ed25519 (RFC 8032 §7.1 TEST 1 key); the receiver holds only the public key.', 'alerts', verifier([ED_PUBLIC]), encodeWith([ED], [ed]), accept(ED.kid, [ed])),
    v('tenant', 'Signed for tenant "acme": its tag is the fifth head token (§2.1).', 'room:42', verifier([K1], [], 'acme'), tenantWire, accept(K1.kid, [tenanted])),
    v('tampered-body', 'single-hs256 with "ada" changed to "eve" inside the signed body.', 'room:42', verifier([K1]), chatWire.replace('"ada"', '"eve"'), reject('bad_signature')),
    v('tampered-node', 'single-hs256 with the node token of the head changed: the head is signed too.', 'room:42', verifier([K1]), chatWire.replace(` ${SENDER} `, ' node-x '), reject('bad_signature')),
    v('tampered-epoch', 'single-hs256 with one digit of the epoch changed (the message id is signed).', 'room:42', verifier([K1]), chatWire.replace(EPOCH, `${EPOCH.slice(0, -1)}2`), reject('bad_signature')),
    v('wrong-secret', 'The body of single-hs256 signed under kid k1 with another secret.', 'room:42', verifier([K1]), signed(chatBody, HEAD, [ATTACKER_SECRET]), reject('bad_signature')),
    v('respelled-signature', 'single-hs256 with the last signature character changed in its 2 unused low bits: the same MAC bytes, another text.', 'room:42', verifier([K1]), respell(chatWire), reject('bad_signature')),
    v('unknown-key', 'Signed with a kid that is in no allow-list.', 'room:42', verifier([K1]), signed(chatBody, `herald/2 HS256:k9 ${SENDER} ${EPOCH}`, [ATTACKER_SECRET]), reject('unknown_key')),
    v('retired-key', 'single-hs256 at a receiver that retired k1 and accepts only k2-2026.', 'room:42', verifier([K2], [K1.kid]), chatWire, reject('retired_key')),
    v('alg-none', 'Claims algorithm "none" for k1, with an empty signature: the key pins HS256.', 'room:42', verifier([K1]), `herald/2 none:${K1.kid} ${SENDER} ${EPOCH} ${chatBody.toString('utf8')} `, reject('algorithm_mismatch')),
    v('eddsa-hs256-confusion', 'Claims HS256 for the EdDSA key and is HMAC-signed with its public key bytes as the secret: refused before any MAC.', 'room:42', verifier([ED_PUBLIC]), signed(chatBody, `herald/2 HS256:${ED.kid} ${SENDER} ${EPOCH}`, [edPublicRaw]), reject('algorithm_mismatch')),
    v('duplicate-key', 'Correctly signed, but `data` has the member "a" twice.', 'room:42', verifier([K1]), signed(`[[1,${TIME},"room:42","message",1,{"a":1,"a":2}]]`), reject('duplicate_key')),
    v('proto-key', 'Correctly signed, but `data` has a member "\\u005f_proto__" (that is, __proto__).', 'room:42', verifier([K1]), signed(`[[1,${TIME},"room:42","message",1,{"\\u005f_proto__":{"polluted":true}}]]`), reject('forbidden_key')),
    v('too-deep', 'Correctly signed, but `data` nests 33 arrays (maxDepth 32).', 'room:42', verifier([K1]), signed(deep), reject('too_deep')),
    v('wrong-tenant', 'tenant (signed for "acme") at a receiver of tenant "globex".', 'room:42', verifier([K1], [], 'globex'), tenantWire, reject('wrong_tenant')),
    v('no-tenant-at-tenant-receiver', 'single-hs256 (no tenant tag) at a receiver of tenant "acme".', 'room:42', verifier([K1], [], 'acme'), chatWire, reject('wrong_tenant')),
    v('signature-missing', 'Two key claims in the head but one signature.', 'room:42', verifier([K1]), signed(chatBody, `herald/2 HS256:${K1.kid},HS256:${K2.kid} ${SENDER} ${EPOCH}`), reject('malformed')),
    v('extra-member', 'Correctly signed, but the message has a tenth member.', 'room:42', verifier([K1]), signed(`[[1,${TIME},"room:42","message",1,null,null,null,null,"x"]]`), reject('malformed')),
    v('not-a-list', 'Correctly signed, but the body is one message, not a list of messages.', 'room:42', verifier([K1]), signed(`[1,${TIME},"room:42","message",1,null]`), reject('malformed')),
    { name: 'body-not-utf8', description: 'Correctly signed, but the body holds C0 AF (an overlong "/"): not UTF-8, refused, never repaired.', channel: 'room:42', verifier: verifier([K1]), wireBase64: notUtf8.toString('base64'), expected: reject('malformed') },
  ];
}

/** The last signature character with its low bits changed (43 characters carry 256 bits + 2). */
function respell(wire: string): string {
  const last = wire.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const i = alphabet.indexOf(last);
  return `${wire.slice(0, -1)}${alphabet[i ^ 1]}`;
}

/** Where the committed herald/2 vectors live. */
export const HERALD2_PATH = fileURLToPath(new URL('./herald2.json', import.meta.url));

/** The file's exact text. */
export function renderHerald2(): string {
  const file = {
    description:
      'herald/2 wire format test vectors (docs/wire-format.md). Keys are TEST keys. The verdict is the codec verdict: signature, key and body checks; freshness and the registry are not involved. Generated by test/vectors/generate.ts.',
    format: 'herald/2',
    tenantTags: { acme: tenantTag('acme'), globex: tenantTag('globex') },
    vectors: buildHerald2(),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
