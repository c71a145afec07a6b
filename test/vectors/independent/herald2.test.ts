/**
 * An outside receiver of `herald/2`, written from docs/wire-format.md alone (§2 head, §3 body,
 * §4 signatures and the order of reasons, §2.1 tenant tag, §6 steps 1-6). It imports nothing from
 * Herald — only node:crypto and the committed test/vectors/herald2.json — and must reach every
 * vector's verdict and reason, and read every accepted message exactly as the vector says.
 */
import { createHash, createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Key = { kid: string; secret: string } | { kid: string; alg: 'EdDSA'; publicKey: string };
interface Vector {
  name: string;
  channel: string;
  verifier: { node: string; keys: Key[]; retired: string[]; tenant?: string };
  wire?: string;
  wireBase64?: string;
  expected:
    | { verdict: 'accept'; kid: string; ids: string[]; messages: Record<string, unknown>[] }
    | { verdict: 'reject'; reason: string };
}

const file = JSON.parse(
  readFileSync(new URL('../herald2.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

type Verdict = { ok: true; kid: string; messages: Record<string, unknown>[] } | { ok: false; reason: string };

const ID = '[A-Za-z0-9_.-]{1,64}';
const CLAIM = `[A-Za-z0-9]{1,16}:${ID}`;
// §2: "herald/2" SP claims SP nid SP epoch [SP tenant-tag]
const HEAD = new RegExp(`^herald/2 (${CLAIM}(?:,${CLAIM}){0,3}) (${ID}) (${ID})(?: ([0-9a-f]{32}))?$`);
// §4: the most telling reason first.
const RANK = ['malformed', 'unknown_key', 'retired_key', 'algorithm_mismatch', 'bad_signature', 'wrong_tenant'];

function keyBytes(text: string): Buffer {
  const colon = text.indexOf(':');
  const scheme = text.slice(0, colon);
  return Buffer.from(text.slice(colon + 1), scheme === 'hex' ? 'hex' : scheme === 'base64' ? 'base64' : 'base64url');
}

const tagOf = (tenant: string | undefined) =>
  tenant === undefined ? undefined : createHash('sha256').update(`herald-tenant:${tenant}`, 'utf8').digest('hex').slice(0, 32);

function checkSignature(key: Key, input: Buffer, signature: string): boolean {
  if ('alg' in key) {
    // §4: 86 base64url characters, the canonical spelling of 64 bytes.
    const bytes = Buffer.from(signature, 'base64url');
    if (signature.length !== 86 || bytes.toString('base64url') !== signature) return false;
    const x = keyBytes(key.publicKey).toString('base64url');
    return verify(null, input, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }), bytes);
  }
  // §4: compare the text with the base64url (no padding) of the expected MAC.
  const expected = Buffer.from(createHmac('sha256', keyBytes(key.secret)).update(input).digest('base64url'));
  const actual = Buffer.from(signature);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** §3: duplicate members, `__proto__`, `constructor.prototype` and depth, in one recursive read. */
function bodyProblem(value: string, maxDepth: number): string | undefined {
  let i = 0;
  const ws = () => {
    while (' \t\n\r'.includes(value[i] ?? 'x')) i++;
  };
  const str = (): string => {
    const start = i;
    for (i++; value[i] !== '"'; i++) if (value[i] === '\\') i++;
    i++;
    return JSON.parse(value.slice(start, i)) as string;
  };
  const walk = (depth: number, parentKey: string | undefined): string | undefined => {
    ws();
    const c = value[i];
    if (c === '{' || c === '[') {
      if (depth + 1 > maxDepth) return 'too_deep';
      i++;
      const seen = new Set<string>();
      ws();
      while (value[i] !== '}' && value[i] !== ']') {
        if (c === '{') {
          ws();
          const key = str();
          if (key === '__proto__' || (key === 'prototype' && parentKey === 'constructor')) return 'forbidden_key';
          if (seen.has(key)) return 'duplicate_key';
          seen.add(key);
          ws();
          i++; // ':'
          const p = walk(depth + 1, key);
          if (p) return p;
        } else {
          const p = walk(depth + 1, undefined);
          if (p) return p;
        }
        ws();
        if (value[i] === ',') i++;
        ws();
      }
      i++;
      return undefined;
    }
    if (c === '"') str();
    else while (i < value.length && !',]} \t\n\r'.includes(value[i]!)) i++;
    return undefined;
  };
  return walk(0, undefined);
}

/** §3: one message: [seq, time, topic, event, version, data, to?, traceparent?, tracestate?]. */
function readMessage(m: unknown, nid: string, epoch: string, kid: string): Record<string, unknown> | undefined {
  if (!Array.isArray(m) || m.length < 6 || m.length > 9) return undefined;
  const [seq, time, topic, event, version, data, to, traceparent, tracestate] = m as unknown[];
  const int = (x: unknown) => Number.isSafeInteger(x);
  const opt = (x: unknown) => x === undefined || x === null || typeof x === 'string';
  if (!int(seq) || (seq as number) < 1 || !int(time) || !int(version)) return undefined;
  if (typeof topic !== 'string' || typeof event !== 'string' || !opt(to) || !opt(traceparent) || !opt(tracestate)) return undefined;
  const out: Record<string, unknown> = { epoch, seq, time, topic, event, version };
  if (typeof to === 'string') out.to = to;
  if (typeof traceparent === 'string') out.traceparent = traceparent;
  if (typeof tracestate === 'string') out.tracestate = tracestate;
  return { ...out, data, node: nid, kid };
}

function receive(bytes: Buffer, v: Vector['verifier']): Verdict {
  const fail = (reason: string): Verdict => ({ ok: false, reason });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('malformed');
  }
  const end = text.indexOf(' [');
  const last = text.lastIndexOf(' ');
  const head = end > 0 && end <= 512 ? HEAD.exec(text.slice(0, end)) : null;
  if (!head || last <= end + 1) return fail('malformed');
  const [, claimText, nid, epoch, ten] = head as unknown as [string, string, string, string, string | undefined];
  const claims = claimText.split(',').map((c) => [c.slice(0, c.indexOf(':')), c.slice(c.indexOf(':') + 1)] as const);
  const signatures = text.slice(last + 1).split(',');
  if (new Set(claims.map((c) => c[1])).size !== claims.length) return fail('malformed');
  if (signatures.length !== claims.length || !signatures.every((s) => /^[A-Za-z0-9_-]*$/.test(s))) return fail('malformed');
  // §4: the signing input is every byte before the last space.
  const input = bytes.subarray(0, Buffer.byteLength(text.slice(0, last)));
  let best = '';
  let kid: string | undefined;
  for (const [i, [alg, id]] of claims.entries()) {
    const key = v.keys.find((k) => k.kid === id);
    let reason: string | undefined;
    if (!key) reason = v.retired.includes(id) ? 'retired_key' : 'unknown_key';
    else if (alg !== ('alg' in key ? 'EdDSA' : 'HS256')) reason = 'algorithm_mismatch';
    else if (!checkSignature(key, input, signatures[i]!)) reason = 'bad_signature';
    else if (ten !== tagOf(v.tenant)) reason = 'wrong_tenant';
    if (reason === undefined) kid ??= id;
    else if (RANK.indexOf(reason) > RANK.indexOf(best)) best = reason;
  }
  if (kid === undefined) return fail(best);
  const body = text.slice(end + 1, last);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return fail('malformed');
  }
  // data may nest 32 levels; the body list and the message array are two more.
  const problem = bodyProblem(body, 32 + 2);
  if (problem) return fail(problem);
  if (!Array.isArray(value) || value.length < 1 || value.length > 1024) return fail('malformed');
  const messages = value.map((m) => readMessage(m, nid, epoch, kid!));
  if (messages.some((m) => m === undefined)) return fail('malformed');
  return { ok: true, kid, messages: messages as Record<string, unknown>[] };
}

describe('herald2.json, received by an implementation written from the docs alone', () => {
  it.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_, v) => {
    const bytes = v.wire === undefined ? Buffer.from(v.wireBase64!, 'base64') : Buffer.from(v.wire, 'utf8');
    const verdict = receive(bytes, v.verifier);
    if (v.expected.verdict === 'reject') {
      expect(verdict).toEqual({ ok: false, reason: v.expected.reason });
      return;
    }
    expect(verdict).toEqual({ ok: true, kid: v.expected.kid, messages: v.expected.messages });
    const ids = (verdict as { messages: Record<string, unknown>[] }).messages.map((m) => `${m.node}:${m.epoch}:${m.seq}`);
    expect(ids).toEqual(v.expected.ids);
  });

  it('refuses every accepted vector with one byte changed anywhere', () => {
    for (const v of file.vectors.filter((x) => x.expected.verdict === 'accept' && !x.name.startsWith('rotation'))) {
      const bytes = Buffer.from(v.wire!, 'utf8');
      for (let i = 0; i < bytes.length; i++) {
        const changed = Buffer.from(bytes);
        changed[i] = changed[i]! ^ 0x01;
        expect(receive(changed, v.verifier).ok).toBe(false);
      }
    }
  });
});
