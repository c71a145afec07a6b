/**
 * An outside receiver of `herald/1`, written from docs/wire-format.md alone (§2 header and `ten`,
 * §3 UTF-8 payload and envelope, §3a batch, §4 signatures and the order of reasons, §7 steps
 * 1-6). It imports nothing from Herald — only node:crypto and the committed
 * test/vectors/vectors.json — and must reach every vector's verdict, reason included.
 */
import {
  createHash,
  createHmac,
  createPublicKey,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Key = { kid: string; secret: string } | { kid: string; alg: 'EdDSA'; publicKey: string };
interface Vector {
  name: string;
  channel: string;
  verifier: { node: string; keys: Key[]; retired: string[]; tenant?: string };
  wire: string;
  expected:
    | {
        verdict: 'accept';
        kid: string;
        id: string;
        header: Record<string, string>;
        payloadJson: string;
        envelope: Record<string, unknown>;
      }
    | { verdict: 'reject'; reason: string };
}

const file = JSON.parse(
  readFileSync(new URL('../vectors.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

type Verdict =
  | { ok: true; kid: string; header: Record<string, string>; payloadJson: string }
  | { ok: false; reason: string };

const TOKEN = /^[A-Za-z0-9_.-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;
const RANK = ['malformed', 'unknown_key', 'retired_key', 'algorithm_mismatch', 'bad_signature', 'wrong_tenant'];

function b64(segment: string): Buffer | undefined {
  if (!B64URL.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function keyBytes(text: string): Buffer {
  const colon = text.indexOf(':');
  const [scheme, body] = [text.slice(0, colon), text.slice(colon + 1)];
  return Buffer.from(body, scheme === 'hex' ? 'hex' : scheme === 'base64' ? 'base64' : 'base64url');
}

/** §2: exactly alg, kid, typ, nid (and `ten` when signed for a tenant). */
function readHeader(segment: string): Record<string, string> | undefined {
  if (segment.length === 0 || segment.length > 512) return undefined;
  const bytes = b64(segment);
  const text = bytes && utf8(bytes);
  if (text === undefined) return undefined;
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return undefined;
  const o = h as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'alg,kid,nid,typ' && keys !== 'alg,kid,nid,ten,typ') return undefined;
  if (![o.alg, o.kid, o.nid].every((x) => typeof x === 'string')) return undefined;
  if (o.typ !== 'herald/1' && o.typ !== 'herald/1+batch') return undefined;
  if (!TOKEN.test(o.nid as string)) return undefined;
  if (o.ten !== undefined && !(typeof o.ten === 'string' && /^[0-9a-f]{32}$/.test(o.ten)))
    return undefined;
  return o as Record<string, string>;
}

function checkSignature(key: Key, input: string, signature: string): boolean {
  if ('alg' in key) {
    const sig = signature.length === 86 ? b64(signature) : undefined;
    if (!sig) return false;
    const publicKey: KeyObject = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: keyBytes(key.publicKey).toString('base64url') },
      format: 'jwk',
    });
    return verify(null, Buffer.from(input, 'ascii'), publicKey, sig);
  }
  // §4: compare the text against the canonical encoding of the expected MAC.
  const expected = Buffer.from(
    createHmac('sha256', keyBytes(key.secret)).update(input, 'ascii').digest('base64url'),
  );
  const actual = Buffer.from(signature);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const tagOf = (tenant: string | undefined): string | undefined =>
  tenant === undefined
    ? undefined
    : createHash('sha256').update(`herald-tenant:${tenant}`, 'utf8').digest('hex').slice(0, 32);

/** One signature entry: the header when it verifies for this receiver, else the reason. */
function entry(v: Vector['verifier'], h: string, p: string, s: string) {
  const header = readHeader(h);
  if (!header) return { reason: 'malformed' };
  const key = v.keys.find((k) => k.kid === header.kid);
  if (!key) return { reason: v.retired.includes(header.kid!) ? 'retired_key' : 'unknown_key', header };
  if (header.alg !== ('alg' in key ? 'EdDSA' : 'HS256')) return { reason: 'algorithm_mismatch', header };
  if (!checkSignature(key, `${h}.${p}`, s)) return { reason: 'bad_signature', header };
  if (header.ten !== tagOf(v.tenant)) return { reason: 'wrong_tenant', header };
  return { header };
}

const FIELDS = ['epoch', 'seq', 'time', 'topic', 'event', 'version', 'to', 'traceparent', 'tracestate', 'data'];

/** §3 (or one message of §3a, without `epoch`). */
function isEnvelope(e: unknown, batchItem: boolean): boolean {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
  const o = e as Record<string, unknown>;
  const int = (x: unknown) => Number.isSafeInteger(x);
  const optString = (x: unknown) => x === undefined || typeof x === 'string';
  return (
    Object.keys(o).every((k) => FIELDS.includes(k) && !(batchItem && k === 'epoch')) &&
    (batchItem || (typeof o.epoch === 'string' && TOKEN.test(o.epoch))) &&
    int(o.seq) &&
    (o.seq as number) >= 1 &&
    int(o.time) &&
    typeof o.topic === 'string' &&
    typeof o.event === 'string' &&
    int(o.version) &&
    'data' in o &&
    optString(o.to) &&
    optString(o.traceparent) &&
    optString(o.tracestate)
  );
}

function receive(wire: string, v: Vector['verifier']): Verdict {
  if (!/^[\x20-\x7e]*$/.test(wire)) return { ok: false, reason: 'malformed' };
  let entries: [string, string, string][];
  let payload: string;
  if (wire.startsWith('{')) {
    let o: { payload?: unknown; signatures?: unknown };
    try {
      o = JSON.parse(wire) as typeof o;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const sigs = o.signatures;
    if (typeof o.payload !== 'string' || !Array.isArray(sigs) || sigs.length < 1 || sigs.length > 4)
      return { ok: false, reason: 'malformed' };
    payload = o.payload;
    entries = [];
    for (const s of sigs as { protected?: unknown; signature?: unknown }[]) {
      if (typeof s?.protected !== 'string' || typeof s.signature !== 'string')
        return { ok: false, reason: 'malformed' };
      entries.push([s.protected, payload, s.signature]);
    }
  } else {
    const parts = wire.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    entries = [parts as [string, string, string]];
    payload = parts[1]!;
  }
  let best = '';
  let verified: Record<string, string> | undefined;
  const nids = new Set<string>();
  for (const [h, p, s] of entries) {
    const r = entry(v, h, p, s);
    if (r.header) nids.add(r.header.nid!);
    if (r.reason === undefined) verified ??= r.header;
    else if (RANK.indexOf(r.reason) > RANK.indexOf(best)) best = r.reason;
  }
  if (nids.size > 1) return { ok: false, reason: 'malformed' };
  if (!verified) return { ok: false, reason: best };
  const bytes = b64(payload);
  const json = bytes && utf8(bytes);
  if (json === undefined) return { ok: false, reason: 'malformed' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const o = value as Record<string, unknown>;
  const shaped =
    verified.typ === 'herald/1'
      ? isEnvelope(value, false)
      : typeof o === 'object' &&
        o !== null &&
        Object.keys(o).sort().join(',') === 'batch,epoch' &&
        typeof o.epoch === 'string' &&
        TOKEN.test(o.epoch) &&
        Array.isArray(o.batch) &&
        o.batch.length >= 1 &&
        o.batch.length <= 1024 &&
        o.batch.every((m) => isEnvelope(m, true));
  if (!shaped) return { ok: false, reason: 'malformed' };
  return { ok: true, kid: verified.kid!, header: verified, payloadJson: json };
}

describe('vectors.json, received by an implementation written from the docs alone', () => {
  it.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_, v) => {
    const verdict = receive(v.wire, v.verifier);
    if (v.expected.verdict === 'reject') {
      expect(verdict).toEqual({ ok: false, reason: v.expected.reason });
      return;
    }
    expect(verdict).toEqual({
      ok: true,
      kid: v.expected.kid,
      header: v.expected.header,
      payloadJson: v.expected.payloadJson,
    });
    const payload = JSON.parse(v.expected.payloadJson) as Record<string, unknown>;
    const first = (Array.isArray(payload.batch) ? payload.batch[0] : payload) as { seq: number };
    expect(`${v.expected.header.nid}:${payload.epoch}:${first.seq}`).toBe(v.expected.id);
  });
});
