/**
 * `canRead` on the finer points: the #1458 case in both readings of open content, the keywords
 * TypeBox emits (tuples, records, intersections, literals), bounds, and what the rules refuse to
 * guess about. Plus `diffSchemas` and `readRoute`.
 */
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  canRead,
  diffSchemas,
  formatChanges,
  readRoute,
  toJsonSchema,
  type VersionSchema,
} from '../../../src/schemas/compat/index.js';

const S = Type.String();
const ok = (reader: unknown, writer: unknown, strict = false): boolean =>
  canRead(reader, writer, strict ? { openContent: 'strict' } : {}).length === 0;

describe('confluentinc/schema-registry#1458: adding an optional property', () => {
  const v1 = Type.Object({ price: Type.Number() });
  const v2 = Type.Object({ price: Type.Number(), taxPercent: Type.Optional(Type.Number()) });

  it('is backward compatible under Herald: version 1 writers send only what version 1 declares', () => {
    expect(canRead(v2, v1)).toEqual([]);
  });

  it('is not under plain JSON Schema, where an open version 1 may send taxPercent with any value', () => {
    expect(canRead(v2, v1, { openContent: 'strict' })).toEqual([
      {
        path: '/taxPercent',
        kind: 'type_narrowed',
        message: `the writer's open object may send "taxPercent" with any value; the reader constrains it`,
      },
    ]);
  });

  it('is forward compatible either way, because the open version 1 reader lets taxPercent through', () => {
    expect(ok(v1, v2)).toBe(true);
    expect(ok(v1, v2, true)).toBe(true);
  });

  it('is not forward compatible when version 1 is closed: its readers refuse taxPercent', () => {
    const closed = Type.Object({ price: Type.Number() }, { additionalProperties: false });
    expect(canRead(closed, v2)[0]).toMatchObject({ path: '/taxPercent', kind: 'property_refused' });
  });

  it('treats an open object that declares nothing as a free-form bag, even under Herald', () => {
    const bag = Type.Object({});
    expect(ok(Type.Object({ a: Type.Optional(S) }), bag)).toBe(false);
    expect(ok(Type.Record(S, S), Type.Object({ a: S }))).toBe(true);
  });
});

describe('keywords TypeBox emits', () => {
  it('reads a tuple as a list when every position fits the items', () => {
    expect(ok(Type.Array(S), Type.Tuple([S, S]))).toBe(true);
    expect(ok(Type.Tuple([S, S]), Type.Array(S))).toBe(false);
  });

  it('compares tuples position by position', () => {
    expect(ok(Type.Tuple([S, Type.Number()]), Type.Tuple([S, Type.Integer()]))).toBe(true);
    expect(canRead(Type.Tuple([S, Type.Integer()]), Type.Tuple([S, Type.Number()]))[0]?.path).toBe(
      '/1',
    );
  });

  it('reads a 2020-12 prefixItems tuple', () => {
    const reader = { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'number' } };
    const writer = { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'integer' } };
    expect(ok(reader, writer)).toBe(true);
    expect(ok(writer, reader)).toBe(false);
  });

  it('merges an intersection of objects on the writer side', () => {
    const writer = Type.Intersect([Type.Object({ a: S }), Type.Object({ b: Type.Integer() })]);
    expect(ok(Type.Object({ a: S, b: Type.Number() }), writer)).toBe(true);
    expect(ok(Type.Object({ a: S, c: S }), writer)).toBe(false);
  });

  it('requires every member of a reader intersection', () => {
    const reader = Type.Intersect([Type.Object({ a: S }), Type.Object({ b: Type.Integer() })]);
    expect(ok(reader, Type.Object({ a: S, b: Type.Integer() }))).toBe(true);
    expect(ok(reader, Type.Object({ a: S, b: Type.Number() }))).toBe(false);
  });

  it('checks literal values against the reader, formats included', () => {
    expect(ok(Type.String({ format: 'date' }), Type.Literal('2024-02-29'))).toBe(true);
    expect(ok(Type.String({ format: 'date' }), Type.Literal('yesterday'))).toBe(false);
    expect(
      ok(Type.String({ maxLength: 3 }), Type.Union([Type.Literal('abc'), Type.Literal('ab')])),
    ).toBe(true);
  });

  it('reads integers with exclusive bounds as inclusive ones', () => {
    expect(ok(Type.Integer({ minimum: 1 }), Type.Integer({ exclusiveMinimum: 0 }))).toBe(true);
    expect(ok(Type.Number({ minimum: 1 }), Type.Number({ exclusiveMinimum: 0 }))).toBe(false);
  });

  it('accepts a writer step that is a multiple of the reader step', () => {
    expect(ok(Type.Number({ multipleOf: 0.5 }), Type.Integer())).toBe(true);
    expect(ok(Type.Number({ multipleOf: 5 }), Type.Number({ multipleOf: 10 }))).toBe(true);
    expect(ok(Type.Number({ multipleOf: 10 }), Type.Number({ multipleOf: 5 }))).toBe(false);
  });

  it('reads a writer union branch by branch, and lets a reader union choose', () => {
    const writer = Type.Union([S, Type.Integer()]);
    expect(ok(Type.Union([Type.Number(), S]), writer)).toBe(true);
    expect(canRead(S, writer)[0]).toMatchObject({ kind: 'type_narrowed' });
  });

  it('refuses a oneOf reader whose branches may both match the writer', () => {
    const reader = { oneOf: [{ type: 'number' }, { type: 'integer' }] };
    expect(canRead(reader, { type: 'integer' })[0]?.kind).toBe('uncomparable');
    expect(ok({ oneOf: [{ type: 'string' }, { type: 'integer' }] }, { type: 'integer' })).toBe(
      true,
    );
  });

  it('needs a writer that can never be what a reader excludes with not', () => {
    const notString = Type.Not(S);
    expect(ok(notString, Type.Integer())).toBe(true);
    expect(ok(notString, Type.Unknown())).toBe(false);
  });

  it('lets a never-writer be read by anything, and nothing be read by a never-reader', () => {
    expect(ok(S, Type.Never())).toBe(true);
    expect(canRead(Type.Never(), S)[0]?.message).toBe('reader accepts no value here');
  });
});

describe('what the rules do not guess', () => {
  it('compares recursive schemas for equality only', () => {
    const tree = (leaf: ReturnType<typeof Type.String>) =>
      Type.Recursive((This) => Type.Object({ name: leaf, children: Type.Array(This) }));
    expect(ok(tree(S), tree(S))).toBe(true);
    expect(
      canRead(tree(Type.String({ maxLength: 9 })), tree(S)).some((i) => i.kind === 'uncomparable'),
    ).toBe(true);
  });

  it('refuses a reader keyword it cannot compare unless the writer has the same', () => {
    const reader = { type: 'array', items: { type: 'string' }, contains: { const: 'x' } };
    expect(ok(reader, reader)).toBe(true);
    expect(canRead(reader, { type: 'array', items: { type: 'string' } })[0]?.kind).toBe(
      'uncomparable',
    );
  });

  it('ignores annotations and unknown writer keywords', () => {
    expect(
      ok(
        Type.String({ title: 'a', description: 'b', 'x-note': 1 }),
        Type.String({ $comment: 'c' }),
      ),
    ).toBe(true);
  });
});

describe('readRoute', () => {
  const v = (version: number, schema: unknown, upcast = false): VersionSchema => ({
    version,
    schema: toJsonSchema(schema),
    upcast,
  });

  it('carries the writer data through identity steps, so a later schema must read it', () => {
    const v1 = v(1, Type.Object({ id: S, ref: Type.Optional(Type.Integer()) }));
    const v2 = v(2, Type.Object({ id: S }));
    const v3 = v(3, Type.Object({ id: S, ref: Type.Optional(S) }));
    const declared = new Map([v1, v2, v3].map((x) => [x.version, x]));
    expect(readRoute(v3, v2, declared)).toEqual({ kind: 'chain', steps: [3] });
    expect(readRoute(v3, v1, declared)).toMatchObject({ kind: 'none', writer: 1 });
  });

  it('starts over after an upcaster, which writes its version anew', () => {
    const v1 = v(1, Type.Object({ id: S, ref: Type.Optional(Type.Integer()) }));
    const v2 = v(2, Type.Object({ id: S }), true);
    const v3 = v(3, Type.Object({ id: S, ref: Type.Optional(S) }));
    const declared = new Map([v1, v2, v3].map((x) => [x.version, x]));
    expect(readRoute(v3, v1, declared)).toEqual({ kind: 'chain', steps: [2, 3] });
  });

  it('reads directly a version that is not declared, when the schemas allow it', () => {
    const v1 = v(1, Type.Object({ id: S }));
    const v2 = v(2, Type.Object({ id: S, note: Type.Optional(S) }));
    expect(readRoute(v2, v1, new Map([[2, v2]]))).toEqual({ kind: 'direct' });
  });
});

describe('diffSchemas', () => {
  it('lists added, removed and changed keywords by JSON pointer, annotations aside', () => {
    const before = Type.Object({ id: S, note: Type.Optional(S) }, { description: 'v1' });
    const after = Type.Object(
      { id: Type.String({ format: 'uuid' }), carrier: S },
      { description: 'v2' },
    );
    expect(formatChanges(diffSchemas(toJsonSchema(before), toJsonSchema(after)))).toEqual([
      '+ /properties/carrier {"type":"string"}',
      '+ /properties/id/format "uuid"',
      '- /properties/note {"type":"string"}',
      '~ /required ["id"] → ["id","carrier"]',
    ]);
    expect(diffSchemas(toJsonSchema(before), toJsonSchema(before))).toEqual([]);
  });
});
