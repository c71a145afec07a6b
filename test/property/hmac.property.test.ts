/**
 * The hot-path MAC (src/security/hmac.ts: RFC 2104 over one-shot hashes, padded key blocks
 * computed once) against node:crypto's `createHmac` and the codec's reference comparison
 * `sameMac`: the same MAC for every key length (shorter than, equal to and longer than the
 * 64-byte block) and every text (non-Latin-1 characters included, taken as `latin1` takes them),
 * and the same verdict on every received signature, with and without `crypto.hash`.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMac } from '../../src/security/hmac.js';
import type { HmacKey } from '../../src/security/keys.js';
import { createScope } from '../../src/security/scopes.js';
import { sameMac } from '../../src/security/signature.js';

const keyOf = (bytes: Uint8Array): HmacKey => ({
  kid: 'k',
  alg: 'HS256',
  key: createSecretKey(bytes),
  scope: createScope('k', undefined),
});
const reference = (bytes: Uint8Array, text: string, length: number): string =>
  createHmac('sha256', bytes).update(text.slice(0, length), 'latin1').digest('base64url');

const keyBytes = fc.uint8Array({ minLength: 32, maxLength: 160 });
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('a', '.', '-', '_', 'Z', '9'), maxLength: 700 }),
);
/** A text and a prefix length of it. */
const input = text.chain((t) => fc.tuple(fc.constant(t), fc.integer({ min: 0, max: t.length })));

describe('createMac', () => {
  it('computes createHmac’s MAC for every key and text, with and without crypto.hash', () => {
    fc.assert(
      fc.property(keyBytes, input, (bytes, [t, length]) => {
        const expected = reference(bytes, t, length);
        expect(createMac(keyOf(bytes)).of(t, length)).toBe(expected);
        expect(createMac(keyOf(bytes), undefined).of(t, length)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('computes the MAC of inputs longer than its scratch buffer', () => {
    const bytes = new Uint8Array(32).map((_, i) => i * 7 + 1);
    const long = 'x.'.repeat(40_000);
    expect(createMac(keyOf(bytes)).of(long, long.length)).toBe(reference(bytes, long, long.length));
    expect(createMac(keyOf(bytes)).of(long, 65_536)).toBe(reference(bytes, long, 65_536));
    expect(createMac(keyOf(bytes)).of(long, 65_537)).toBe(reference(bytes, long, 65_537));
  });

  it('checks the last characters of a text as checkUtf8 checks them cut off, with its UTF-8 length', () => {
    const utf8Reference = (bytes: Uint8Array, t: string): string =>
      createHmac('sha256', bytes).update(t, 'utf8').digest('base64url');
    const unicode = fc.string({ unit: 'grapheme', maxLength: 120 });
    const signature = (bytes: Uint8Array, t: string) =>
      fc.oneof(
        fc.constant(utf8Reference(bytes, t)),
        fc
          .tuple(fc.nat({ max: 42 }), fc.constantFrom('A', '-', ' ', ',', '\u0141', 'é', '👋'))
          .map(([i, c]) => {
            const mac = utf8Reference(bytes, t);
            return mac.slice(0, i) + c + mac.slice(i + 1);
          }),
        fc.string({ unit: 'binary', maxLength: 50 }),
      );
    const cases = fc
      .tuple(keyBytes, fc.oneof(text, unicode))
      .chain(([bytes, t]) => fc.tuple(fc.constant(bytes), fc.constant(t), signature(bytes, t)));
    fc.assert(
      fc.property(
        cases,
        fc.boolean(),
        fc.constantFrom(0, 22_000, 34_000),
        ([bytes, t, sig], fast, long) => {
          const mac = fast ? createMac(keyOf(bytes)) : createMac(keyOf(bytes), undefined);
          // 22,000 é: more UTF-16 units than a third of the scratch buffer, yet 44,000 bytes fit
          // it (measured); 34,000 é: longer than it holds, the same answer through createHmac.
          const input = `${'é'.repeat(long)}${t}`;
          const whole = `${input} ${sig}`;
          const expected = mac.checkUtf8(input, sig) ? Buffer.byteLength(whole) : -1;
          expect(mac.checkLast(whole, sig.length)).toBe(expected);
          expect(mac.checkUtf8(input, sig)).toBe(sig === utf8Reference(bytes, input));
        },
      ),
      { numRuns: 1500 },
    );
    const mac = createMac(keyOf(new Uint8Array(32).fill(1)));
    expect(mac.checkLast('no space before', 6)).toBe(-1);
    expect(mac.checkLast('short', 9)).toBe(-1);
  });

  it('gives sameMac’s verdict on every signature, re-spellings and look-alikes included', () => {
    const spelling = (mac: string) =>
      fc.oneof(
        fc.constant(mac),
        fc.string({ unit: 'binary', maxLength: 50 }),
        // One character changed: to another base64url one, or to a non-ASCII one whose low
        // byte is a base64url character (U+0141 for "A").
        fc
          .tuple(
            fc.nat({ max: mac.length - 1 }),
            fc.constantFrom('A', 'B', 'g', '-', '\u0141', '\u0167', 'é', '\ud800'),
          )
          .map(([i, c]) => mac.slice(0, i) + c + mac.slice(i + 1)),
        fc.constant(`${mac}=`),
        fc.constant(mac.slice(1)),
      );
    const cases = fc.tuple(keyBytes, input).chain(([bytes, [t, length]]) => {
      const expected = reference(bytes, t, length);
      return fc.tuple(
        fc.constant({ bytes, t, length, expected }),
        spelling(expected),
        fc.boolean(),
      );
    });
    fc.assert(
      fc.property(cases, ([{ bytes, t, length, expected }, signature, fast]) => {
        const mac = fast ? createMac(keyOf(bytes)) : createMac(keyOf(bytes), undefined);
        expect(mac.check(t, length, signature)).toBe(sameMac(expected, signature));
      }),
      { numRuns: 3000 },
    );
  });
});
