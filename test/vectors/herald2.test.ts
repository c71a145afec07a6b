/**
 * The committed `herald/2` vectors (test/vectors/herald2.json) against Herald's own decoder: the
 * file is what test/vectors/herald2.ts generates, every vector gets its verdict (as text and as
 * bytes), and no one-bit change of an accepted vector is accepted as another message. The same
 * vectors are checked by a receiver written from the docs alone in
 * independent/herald2.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../../src/security/codec.js';
import { createKeyRing } from '../../src/security/keys.js';
import { type Herald2Vector, HERALD2_PATH, renderHerald2 } from './herald2.js';

const file = JSON.parse(readFileSync(HERALD2_PATH, 'utf8')) as { vectors: Herald2Vector[] };

const bytesOf = (v: Herald2Vector): Buffer =>
  v.wire === undefined ? Buffer.from(v.wireBase64!, 'base64') : Buffer.from(v.wire, 'utf8');

function decode(v: Herald2Vector, input: string | Uint8Array) {
  const ring = createKeyRing({ keys: v.verifier.keys, retired: v.verifier.retired });
  return createCodec(ring, v.verifier.node, {}, v.verifier.tenant).decodeAll(input);
}

describe('the committed herald/2 vectors', () => {
  it('are exactly what test/vectors/herald2.ts generates', () => {
    expect(readFileSync(HERALD2_PATH, 'utf8')).toBe(renderHerald2());
  });

  it('cover every reason the codec gives, and accepted messages of every shape', () => {
    const reasons = new Set(
      file.vectors.flatMap((v) => (v.expected.verdict === 'reject' ? [v.expected.reason] : [])),
    );
    expect([...reasons].sort()).toEqual(
      [
        'algorithm_mismatch',
        'bad_signature',
        'duplicate_key',
        'forbidden_key',
        'malformed',
        'retired_key',
        'too_deep',
        'unknown_key',
        'wrong_tenant',
      ].sort(),
    );
    const accepted = file.vectors.filter((v) => v.expected.verdict === 'accept');
    expect(accepted.map((v) => v.name)).toEqual(
      expect.arrayContaining(['single-hs256', 'batch-two-messages', 'eddsa', 'tenant', 'direct']),
    );
  });

  describe.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    it("gets its verdict from Herald's decoder, as text and as bytes", () => {
      const bytes = bytesOf(v);
      const inputs = v.wire === undefined ? [bytes] : [v.wire, new Uint8Array(bytes)];
      for (const input of inputs) {
        const result = decode(v, input);
        if (v.expected.verdict === 'reject') {
          expect(!result.ok && result.reason).toBe(v.expected.reason);
          continue;
        }
        const share = Math.ceil(bytes.length / v.expected.messages.length);
        expect(result.ok && result.envelopes).toEqual(
          v.expected.messages.map((m) => ({ ...m, size: share })),
        );
      }
    });
  });
});

describe('one flipped bit anywhere in an accepted vector', () => {
  const accepted = file.vectors.filter((v) => v.expected.verdict === 'accept');
  it.each(accepted.map((v) => [v.name, v] as const))('%s: never another message', (_name, v) => {
    const bytes = bytesOf(v);
    const original = decode(v, bytes);
    expect(original.ok).toBe(true);
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const mutated = Buffer.from(bytes);
        mutated[i] = mutated[i]! ^ (1 << bit);
        const result = decode(v, mutated);
        // With two signatures, breaking one leaves the other: the same message, never another.
        if (result.ok && original.ok)
          expect(result.envelopes.map((e) => ({ ...e, kid: '' }))).toEqual(
            original.envelopes.map((e) => ({ ...e, kid: '' })),
          );
        if (result.ok) expect(v.expected.verdict === 'accept' && v.name.startsWith('rotation')).toBe(true);
      }
    }
  });
});
