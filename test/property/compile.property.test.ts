/**
 * The compiled payload check (src/schemas/compile.ts) declares TypeBox's in-place array loops
 * once instead of per check. It must give TypeBox's own verdict on every value: these schemas
 * cover nested loops (arrays of arrays, arrays of objects holding arrays), loops inside unions,
 * tuples, records and formats, and each is fed random values and near-valid ones.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOf } from '../../src/schemas/compile.js';
import { hoistLoops } from '../../src/schemas/hoist-loops.js';
import { createValidator } from '../../src/schemas/validator.js';
import '../../src/schemas/formats.js';

const tag = Type.String({ maxLength: 4 });
const schemas: Record<string, TSchema> = {
  posted: Type.Object(
    {
      id: Type.String({ minLength: 1, maxLength: 8 }),
      n: Type.Integer({ minimum: 0 }),
      tags: Type.Array(tag, { maxItems: 3 }),
    },
    { additionalProperties: false },
  ),
  matrix: Type.Array(Type.Array(Type.Number({ maximum: 10 }), { maxItems: 3 })),
  nested: Type.Object({
    rows: Type.Array(Type.Object({ cells: Type.Array(Type.Union([Type.String(), Type.Null()])) })),
    pair: Type.Tuple([Type.Array(tag), Type.Boolean()]),
  }),
  union: Type.Union([Type.Array(Type.Literal('a')), Type.Array(Type.Integer()), Type.String()]),
  record: Type.Record(Type.String(), Type.Array(Type.Integer({ minimum: 0 }))),
  formats: Type.Object({
    emails: Type.Array(Type.String({ format: 'email' })),
    ids: Type.Array(Type.String({ format: 'uuid' }), { uniqueItems: true }),
  }),
  quoted: Type.Array(Type.Literal(')) { return false }; return true; })(')),
};

/** Arbitrary values: JSON, and small mixed arrays and objects. */
const leaf = fc.oneof(
  fc.constantFrom('a', '', 'abcde', 'x@y.io', '6f1c1f4e-3b1a-4c5e-9d2f-1a2b3c4d5e6f', null, true),
  fc.integer({ min: -3, max: 12 }),
  fc.double({ noNaN: false }),
  fc.constant(')) { return false }; return true; })('),
);
const keys = fc.constantFrom('id', 'n', 'tags', 'rows', 'cells', 'pair', 'emails', 'ids', 'x');
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Per schema, values of nearly its shape: mostly valid, each part sometimes wrong. */
const str = fc.oneof(fc.string({ maxLength: 5 }), fc.constant(3));
const email = fc.oneof(fc.constantFrom('a@b.io', 'x@y.org', 'nope'), fc.emailAddress());
const uuid = fc.oneof(fc.uuid(), fc.constant('not-a-uuid'));
const int = fc.oneof(fc.integer({ min: -1, max: 11 }), fc.constant(0.5));
const shaped: Record<string, fc.Arbitrary<unknown>> = {
  posted: fc.record(
    { id: fc.string({ maxLength: 9 }), n: int, tags: fc.array(str, { maxLength: 4 }), x: leaf },
    { requiredKeys: ['id', 'n', 'tags'] },
  ),
  matrix: fc.array(fc.array(int, { maxLength: 4 }), { maxLength: 4 }),
  nested: fc.record({
    rows: fc.array(fc.record({ cells: fc.array(fc.oneof(str, fc.constant(null))) })),
    pair: fc.tuple(fc.array(str, { maxLength: 3 }), fc.oneof(fc.boolean(), fc.constant(1))),
  }),
  union: fc.oneof(
    fc.array(fc.constantFrom('a', 'b'), { maxLength: 4 }),
    fc.array(int, { maxLength: 4 }),
    str,
  ),
  record: fc.dictionary(fc.string({ maxLength: 3 }), fc.array(int, { maxLength: 4 })),
  formats: fc.record({
    emails: fc.array(email, { maxLength: 3 }),
    ids: fc.array(uuid, { maxLength: 3 }),
  }),
  quoted: fc.array(fc.constantFrom(')) { return false }; return true; })(', 'a'), { maxLength: 3 }),
};

/** A default value of the schema, when TypeBox can make one. */
function created(schema: TSchema): unknown {
  try {
    return Value.Create(schema);
  } catch {
    return undefined;
  }
}

describe('the compiled check with hoisted loops', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`gives TypeBox's verdict for "${name}"`, () => {
      const reference = TypeCompiler.Compile(schema);
      const check = checkOf(reference);
      const validator = createValidator(schema);
      const valid = Value.Check(schema, created(schema)) ? [fc.constant(created(schema))] : [];
      const values = fc.oneof(
        shaped[name] as fc.Arbitrary<unknown>,
        anyValue,
        fc.jsonValue(),
        ...valid,
      );
      let accepted = 0;
      fc.assert(
        fc.property(values, (value) => {
          const verdict = reference.Check(value);
          if (verdict) accepted++;
          expect(check(value)).toBe(verdict);
          expect(validator.check(value)).toBe(verdict);
        }),
        { numRuns: 400 },
      );
      // The values reach the loops: a fair share of them pass.
      expect(accepted).toBeGreaterThan(20);
    });
  }

  it('hoists every in-place loop of the array schemas, innermost first', () => {
    for (const name of ['posted', 'matrix', 'nested', 'formats']) {
      const code = hoistLoops(TypeCompiler.Code(schemas[name] as TSchema));
      expect(code, name).toBeDefined();
      const checkBody = (code as string).slice((code as string).indexOf('return function check'));
      expect(checkBody, name).not.toContain('(array) =>');
    }
  });

  it('leaves code without loops, or with custom kinds, to TypeBox', () => {
    expect(hoistLoops(TypeCompiler.Code(Type.Object({ a: Type.String() })))).toBeUndefined();
    expect(
      hoistLoops('return function check(value) { return kind("X", 0, value) }'),
    ).toBeUndefined();
  });
});
