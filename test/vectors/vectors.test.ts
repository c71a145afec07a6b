/**
 * The committed `herald/1` vectors (a format Herald still reads, docs/wire-format.md §8, but no
 * longer writes; the herald/2 vectors are in herald2.test.ts), checked three ways:
 *
 * 1. by a verifier written here from docs/wire-format.md with plain node:crypto (HMAC-SHA256 over
 *    `header.payload`, base64url), sharing no code with Herald;
 * 2. by jose's stock `compactVerify` / `generalVerify`;
 * 3. by Herald's own decoder, which must reach the same verdict.
 *
 * Then every bit of every signed field is flipped, and every flipped message must be refused.
 */
import {
  createHash,
  createHmac,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  compactVerify,
  type GeneralJWSInput,
  generalVerify,
  importJWK,
  type JWSHeaderParameters,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../../src/security/codec.js';
import { createKeyRing } from '../../src/security/keys.js';
import {
  type AcceptVerdict,
  isEdKey,
  renderVectors,
  VECTORS_PATH,
  type Vector,
  type VectorFile,
  type VectorKey,
} from './generate.js';
import { NAMES_PATH, renderNames } from './names.js';

const file = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as VectorFile;
const accepted = file.vectors.filter((v) => v.expected.verdict === 'accept');

// ------------------------------------------------------------------ independent verifier (spec)

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function keyBytes(key: VectorKey): Buffer {
  const text = isEdKey(key) ? key.publicKey : key.secret;
  const [scheme, body] = [text.slice(0, text.indexOf(':')), text.split(':')[1]];
  if (scheme === 'hex') return Buffer.from(body!, 'hex');
  if (scheme === 'base64') return Buffer.from(body!, 'base64');
  if (scheme === 'base64url') return Buffer.from(body!, 'base64url');
  throw new Error(`unknown key format ${scheme}`);
}

/** Strict base64url: only the alphabet, no padding, and the canonical spelling of its bytes. */
function fromB64url(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

/** The tenant tag of docs/wire-format.md §2, from its definition. */
const tagOf = (tenant: string | undefined): string | undefined =>
  tenant === undefined
    ? undefined
    : createHash('sha256').update(`herald-tenant:${tenant}`, 'utf8').digest('hex').slice(0, 32);

/** The bytes as text when they are UTF-8 (RFC 3629), else undefined. */
function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

type PlainOutcome =
  | { ok: true; kid: string; header: Record<string, unknown>; payloadJson: string }
  | { ok: false; why: string };

/** The algorithm a vector key is pinned to, and a check of one signature under it. */
interface PlainKey {
  readonly alg: 'HS256' | 'EdDSA';
  check(signingInput: string, signature: Buffer): boolean;
}

/** Builds a key from its bytes: an HMAC secret, or an Ed25519 public key through its JWK. */
function plainKey(key: VectorKey): PlainKey {
  const bytes = keyBytes(key);
  if (isEdKey(key)) {
    const publicKey: KeyObject = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
      format: 'jwk',
    });
    return {
      alg: 'EdDSA',
      check: (input, signature) =>
        signature.length === 64 && verify(null, Buffer.from(input, 'ascii'), publicKey, signature),
    };
  }
  return {
    alg: 'HS256',
    check(input, signature) {
      const expected = createHmac('sha256', bytes).update(input, 'ascii').digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    },
  };
}

/** Verifies one message as docs/wire-format.md says, with node:crypto only. */
function plainVerify(wire: string, v: Vector['verifier']): PlainOutcome {
  const keys = new Map(v.keys.map((k) => [k.kid, plainKey(k)]));
  let entries: [string, string, string][];
  if (wire.startsWith('{')) {
    let outer: { payload?: unknown; signatures?: unknown };
    try {
      outer = JSON.parse(wire) as typeof outer;
    } catch {
      return { ok: false, why: 'not JSON' };
    }
    if (typeof outer.payload !== 'string' || !Array.isArray(outer.signatures))
      return { ok: false, why: 'not a general JWS' };
    const payload = outer.payload;
    entries = (outer.signatures as { protected?: unknown; signature?: unknown }[]).map((s) => [
      String(s.protected),
      payload,
      String(s.signature),
    ]);
  } else {
    const parts = wire.split('.');
    if (parts.length !== 3) return { ok: false, why: 'not three segments' };
    entries = [parts as [string, string, string]];
  }
  let node: string | undefined;
  let found: PlainOutcome = { ok: false, why: 'no signature verified' };
  for (const [h, p, s] of entries) {
    const headerBytes = fromB64url(h);
    const payloadBytes = fromB64url(p);
    if (!headerBytes || !payloadBytes) return { ok: false, why: 'bad base64url' };
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      return { ok: false, why: 'header is not JSON' };
    }
    if ((header.typ !== 'herald/1' && header.typ !== 'herald/1+batch') || typeof header.nid !== 'string')
      return { ok: false, why: 'not a herald/1 header' };
    if (node !== undefined && node !== header.nid) return { ok: false, why: 'nodes differ' };
    node = header.nid;
    const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
    // The algorithm is the key's, never the header's.
    if (!key || v.retired.includes(String(header.kid)) || header.alg !== key.alg) continue;
    const actual = fromB64url(s);
    if (!actual || !key.check(`${h}.${p}`, actual)) continue;
    // §2: the signed tenant tag must be the receiver's (both absent, or equal).
    if (header.ten !== tagOf(v.tenant)) continue;
    // §3: the payload is UTF-8; a decoder that repairs bytes would change what was signed.
    const payloadJson = strictUtf8(payloadBytes);
    if (payloadJson === undefined) return { ok: false, why: 'payload is not UTF-8' };
    if (!found.ok) found = { ok: true, kid: header.kid as string, header, payloadJson };
  }
  return found;
}

// ------------------------------------------------------------------ jose (stock JOSE library)

type JoseOutcome = { ok: true; kid: string; payloadJson: string } | { ok: false; why: string };

async function joseVerify(wire: string, v: Vector['verifier']): Promise<JoseOutcome> {
  const getKey = async (header: JWSHeaderParameters) => {
    const spec = v.keys.find((k) => k.kid === header.kid);
    if (!spec || v.retired.includes(spec.kid)) throw new Error(`no key ${String(header.kid)}`);
    // Pin the algorithm per key: jose's `algorithms` option is one list for every key.
    const alg = isEdKey(spec) ? 'EdDSA' : 'HS256';
    if (header.alg !== alg) throw new Error(`key ${spec.kid} is ${alg}, not ${header.alg}`);
    return isEdKey(spec)
      ? importJWK({ kty: 'OKP', crv: 'Ed25519', x: keyBytes(spec).toString('base64url') }, alg)
      : createSecretKey(keyBytes(spec));
  };
  const options = { algorithms: ['HS256', 'EdDSA'] };
  try {
    const result = wire.startsWith('{')
      ? await generalVerify(JSON.parse(wire) as GeneralJWSInput, getKey, options)
      : await compactVerify(wire, getKey, options);
    // jose checks the signature; the `typ` profile, tenant and UTF-8 checks are the application's.
    const typ = result.protectedHeader?.typ;
    if (typ !== 'herald/1' && typ !== 'herald/1+batch') return { ok: false, why: 'typ' };
    if (result.protectedHeader?.ten !== tagOf(v.tenant)) return { ok: false, why: 'tenant' };
    const payloadJson = strictUtf8(result.payload);
    if (payloadJson === undefined) return { ok: false, why: 'payload is not UTF-8' };
    return { ok: true, kid: String(result.protectedHeader?.kid), payloadJson };
  } catch (error) {
    return { ok: false, why: (error as Error).message };
  }
}

// ------------------------------------------------------------------ Herald

function heraldDecode(v: Vector, wire: string | Uint8Array = v.wire) {
  const ring = createKeyRing({ keys: v.verifier.keys, retired: v.verifier.retired });
  return createCodec(ring, v.verifier.node, {}, v.verifier.tenant).decodeAll(wire);
}

const flip = (text: string, i: number, bit: number): string =>
  text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) + text.slice(i + 1);

// ------------------------------------------------------------------ tests

describe('the committed test vectors', () => {
  it('are exactly what test/vectors/generate.ts produces', () => {
    expect(readFileSync(VECTORS_PATH, 'utf8')).toBe(renderVectors());
    expect(readFileSync(NAMES_PATH, 'utf8')).toBe(renderNames());
  });

  it('cover every case the wire format names', () => {
    const names = file.vectors.map((v) => v.name);
    for (const name of [
      'compact-single-signature',
      'general-two-signatures',
      'direct-broadcast',
      'trace-context',
      'tampered-payload',
      'tampered-header',
      'wrong-key',
      'unknown-kid',
      'alg-none',
      'alg-hs512',
      'eddsa-compact',
      'eddsa-general-migration',
      'eddsa-tampered-payload',
      'eddsa-wrong-key',
      'eddsa-hs256-confusion-raw',
      'eddsa-hs256-confusion-pem',
      'eddsa-alg-none',
      'batch-two-messages',
      'batch-tampered',
      'tenant-bound',
      'tenant-replayed-to-other-tenant',
      'payload-not-utf8',
    ])
      expect(names).toContain(name);
    expect(file.vectors.every((v) => /^[\x20-\x7e]+$/.test(v.wire))).toBe(true);
  });

  describe.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    it('gets the expected verdict from a plain node:crypto verifier', () => {
      const outcome = plainVerify(v.wire, v.verifier);
      expect(outcome.ok).toBe(v.expected.verdict === 'accept');
      if (outcome.ok && v.expected.verdict === 'accept') {
        expect(outcome.kid).toBe(v.expected.kid);
        expect(outcome.header).toEqual(v.expected.header);
        expect(outcome.payloadJson).toBe(v.expected.payloadJson);
        const payload = JSON.parse(outcome.payloadJson) as Record<string, unknown>;
        expect({ ...payload, node: outcome.header.nid, kid: outcome.kid }).toEqual(
          v.expected.envelope,
        );
        // A batch's first message names the id (each message has its own).
        const first = (Array.isArray(payload.batch) ? payload.batch[0] : payload) as { seq?: unknown };
        expect(`${String(outcome.header.nid)}:${payload.epoch}:${first.seq}`).toBe(v.expected.id);
      }
    });

    it("gets the expected verdict from jose's stock verifier", async () => {
      const outcome = await joseVerify(v.wire, v.verifier);
      expect(outcome.ok).toBe(v.expected.verdict === 'accept');
      if (outcome.ok && v.expected.verdict === 'accept') {
        expect(outcome.kid).toBe(v.expected.kid);
        expect(outcome.payloadJson).toBe(v.expected.payloadJson);
      }
    });

    it("gets the same verdict from Herald's decoder, as text and as bytes", () => {
      for (const input of [v.wire, new Uint8Array(Buffer.from(v.wire, 'latin1'))]) {
        const result = heraldDecode(v, input);
        if (v.expected.verdict === 'accept') {
          const messages = v.expected.messages;
          expect(result.ok && result.envelopes).toEqual(
            messages === undefined
              ? [{ ...v.expected.envelope, size: v.wire.length }]
              : messages.map((m) => ({ ...m, size: Math.ceil(v.wire.length / messages.length) })),
          );
        } else {
          expect(!result.ok && result.reason).toBe(v.expected.reason);
        }
      }
    });
  });

  it('alg-hs512 would pass a verifier that trusts the header (which is why alg is pinned)', async () => {
    const v = file.vectors.find((x) => x.name === 'alg-hs512')!;
    const key = createSecretKey(keyBytes(v.verifier.keys[0]!));
    const trusting = await compactVerify(v.wire, key, { algorithms: ['HS256', 'HS512'] });
    expect(trusting.protectedHeader.alg).toBe('HS512');
    await expect(compactVerify(v.wire, key, { algorithms: ['HS256'] })).rejects.toThrow();
  });
});

describe('flipping one bit of a signed field', () => {
  const compact = accepted.filter((v) => v.serialization === 'compact');
  const general = accepted.filter((v) => v.serialization === 'general');

  it.each(compact.map((v) => [v.name, v] as const))(
    '%s: every bit of the protected header and payload segments, as text and as bytes, is refused by all three verifiers',
    async (_name, v) => {
      const signed = v.wire.lastIndexOf('.');
      let count = 0;
      for (let i = 0; i < signed; i++) {
        if (v.wire[i] === '.') continue;
        for (let bit = 0; bit < 8; bit++) {
          const mutated = flip(v.wire, i, bit);
          const bytes = Buffer.from(v.wire, 'latin1');
          bytes[i]! ^= 1 << bit;
          expect(heraldDecode(v, mutated).ok).toBe(false);
          expect(heraldDecode(v, new Uint8Array(bytes)).ok).toBe(false);
          expect(plainVerify(mutated, v.verifier).ok).toBe(false);
          expect((await joseVerify(mutated, v.verifier)).ok).toBe(false);
          count++;
        }
      }
      expect(count).toBe(8 * (signed - 1));
    },
  );

  it.each(compact.map((v) => [v.name, v] as const))(
    '%s: every bit of the signature is refused by Herald; jose accepts only re-spellings of the same MAC',
    async (_name, v) => {
      const start = v.wire.lastIndexOf('.') + 1;
      const mac = Buffer.from(v.wire.slice(start), 'base64url');
      for (let i = start; i < v.wire.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const mutated = flip(v.wire, i, bit);
          expect(heraldDecode(v, mutated).ok).toBe(false);
          expect(plainVerify(mutated, v.verifier).ok).toBe(false);
          if ((await joseVerify(mutated, v.verifier)).ok) {
            // Base64url decoders ignore the unused low bits of the last character.
            expect(i).toBe(v.wire.length - 1);
            expect(Buffer.from(mutated.slice(start), 'base64url').equals(mac)).toBe(true);
          }
        }
      }
    },
  );

  it.each(general.map((v) => [v.name, v] as const))(
    '%s: every bit of the shared payload is refused; every bit of one protected header is refused by a holder of that key alone',
    async (_name, v) => {
      const jws = JSON.parse(v.wire) as {
        payload: string;
        signatures: { protected: string; signature: string }[];
      };
      for (let i = 0; i < jws.payload.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const mutated = JSON.stringify({ ...jws, payload: flip(jws.payload, i, bit) });
          expect(heraldDecode(v, mutated).ok).toBe(false);
          expect(plainVerify(mutated, v.verifier).ok).toBe(false);
          expect((await joseVerify(mutated, v.verifier)).ok).toBe(false);
        }
      }
      for (const [n, entry] of jws.signatures.entries()) {
        const kid = (
          JSON.parse(Buffer.from(entry.protected, 'base64url').toString()) as { kid: string }
        ).kid;
        const key = v.verifier.keys.find((k) => k.kid === kid);
        if (!key) continue;
        const alone: Vector = { ...v, verifier: { ...v.verifier, keys: [key], retired: [] } };
        for (let i = 0; i < entry.protected.length; i++) {
          for (let bit = 0; bit < 8; bit++) {
            const signatures = jws.signatures.map((s, j) =>
              j === n ? { ...s, protected: flip(s.protected, i, bit) } : s,
            );
            const mutated = JSON.stringify({ ...jws, signatures });
            expect(heraldDecode(alone, mutated).ok).toBe(false);
            expect(plainVerify(mutated, alone.verifier).ok).toBe(false);
            expect((await joseVerify(mutated, alone.verifier)).ok).toBe(false);
            // A holder of every key may still accept it through another, untouched signature,
            // but never as a different message.
            const decoded = heraldDecode(v, mutated);
            if (decoded.ok) {
              const both = decoded.envelopes[0]!;
              expect(decoded.envelopes).toHaveLength(1);
              expect(both.kid).not.toBe(kid);
              expect({ ...both, kid: 'x', size: 0 }).toEqual({
                ...(v.expected as AcceptVerdict).envelope,
                kid: 'x',
                size: 0,
              });
            }
          }
        }
      }
    },
  );

  it.each(accepted.map((v) => [v.name, v] as const))(
    '%s: each payload and header field re-encoded with one bit flipped is refused',
    async (_name, v) => {
      const expected = v.expected as AcceptVerdict;
      const flipValue = (value: unknown): unknown => {
        if (typeof value === 'number') return value ^ 1;
        if (typeof value === 'string') return flip(value, value.length - 1, 0);
        const text = JSON.stringify(value);
        for (let i = 0; i < text.length; i++) {
          try {
            const changed = JSON.parse(flip(text, i, 0)) as unknown;
            if (JSON.stringify(changed) !== text) return changed;
          } catch {
            // That bit breaks the JSON; try the next character.
          }
        }
        throw new Error(`no one-bit change of ${text} is valid JSON`);
      };
      const compactParts = (wire: string) => wire.split('.') as [string, string, string];
      const generalJws = v.serialization === 'general' ? JSON.parse(v.wire) : undefined;
      const withSegments = (h: string | undefined, p: string): string => {
        if (!generalJws) {
          const [oh, , os] = compactParts(v.wire);
          return `${h ?? oh}.${p}.${os}`;
        }
        return JSON.stringify({
          payload: p,
          signatures: (generalJws.signatures as { protected: string }[]).map((s) => ({
            ...s,
            protected: h ?? s.protected,
          })),
        });
      };
      const payloadSeg = generalJws ? (generalJws.payload as string) : compactParts(v.wire)[1];
      const payload = JSON.parse(expected.payloadJson) as Record<string, unknown>;
      for (const field of Object.keys(payload)) {
        const changed = { ...payload, [field]: flipValue(payload[field]) };
        const mutated = withSegments(
          undefined,
          Buffer.from(JSON.stringify(changed)).toString('base64url'),
        );
        const result = heraldDecode(v, mutated);
        expect(!result.ok && result.reason).toBe('bad_signature');
        expect(plainVerify(mutated, v.verifier).ok).toBe(false);
        expect((await joseVerify(mutated, v.verifier)).ok).toBe(false);
      }
      for (const field of Object.keys(expected.header)) {
        const header = { ...expected.header } as Record<string, unknown>;
        header[field] = flipValue(header[field]);
        const mutated = withSegments(
          Buffer.from(JSON.stringify(header)).toString('base64url'),
          payloadSeg,
        );
        expect(heraldDecode(v, mutated).ok).toBe(false);
        expect(plainVerify(mutated, v.verifier).ok).toBe(false);
        expect((await joseVerify(mutated, v.verifier)).ok).toBe(false);
      }
    },
  );
});
