/**
 * The compatibility rules, table-driven: every change of the issue (adding an optional field,
 * adding an enum value, widening, narrowing, removing or renaming a field, changing
 * additionalProperties, changing the required set, nested objects, arrays, unions) as one row,
 * with whether the new schema reads the old data (backward) and the old reads the new
 * (forward); then every row under every mode, with and without an upcaster.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  canRead,
  checkHistory,
  modeRule,
  type OpenContent,
  toJsonSchema,
  type VersionSchema,
} from '../../../src/schemas/compat/index.js';

interface Row {
  readonly change: string;
  readonly before: TSchema;
  readonly after: TSchema;
  /** New reads old. */
  readonly backward: boolean;
  /** Old reads new. */
  readonly forward: boolean;
  /** Where plain JSON Schema set semantics (`openContent: 'strict'`) differ. */
  readonly strict?: { readonly backward: boolean; readonly forward: boolean };
}

const S = Type.String();
const open = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props);
const closed = (props: Parameters<typeof Type.Object>[0]) =>
  Type.Object(props, { additionalProperties: false });
const Status = (...values: string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const ROWS: readonly Row[] = [
  {
    change: 'adding an optional field to an open object (confluentinc/schema-registry#1458)',
    before: open({ id: S }),
    after: open({ id: S, note: Type.Optional(S) }),
    backward: true,
    forward: true,
    strict: { backward: false, forward: true },
  },
  {
    change: 'adding an optional field to a closed object',
    before: closed({ id: S }),
    after: closed({ id: S, note: Type.Optional(S) }),
    backward: true,
    forward: false,
  },
  {
    change: 'adding an optional field to a partially open object whose extras are strings',
    before: Type.Object({ id: S }, { additionalProperties: S }),
    after: Type.Object({ id: S, note: Type.Optional(S) }, { additionalProperties: S }),
    backward: true,
    forward: true,
  },
  {
    change: 'adding an optional number to a partially open object whose extras are strings',
    before: Type.Object({ id: S }, { additionalProperties: S }),
    after: Type.Object({ id: S, note: Type.Optional(Type.Number()) }, { additionalProperties: S }),
    backward: false,
    forward: false,
  },
  {
    change: 'adding a required field to an open object',
    before: open({ id: S }),
    after: open({ id: S, carrier: S }),
    backward: false,
    forward: true,
  },
  {
    change: 'adding a required field to a closed object',
    before: closed({ id: S }),
    after: closed({ id: S, carrier: S }),
    backward: false,
    forward: false,
  },
  {
    change: 'removing an optional field from an open object',
    before: open({ id: S, note: Type.Optional(S) }),
    after: open({ id: S }),
    backward: true,
    forward: true,
    strict: { backward: true, forward: false },
  },
  {
    change: 'removing an optional field from a closed object',
    before: closed({ id: S, note: Type.Optional(S) }),
    after: closed({ id: S }),
    backward: false,
    forward: true,
  },
  {
    change: 'removing a required field from an open object',
    before: open({ id: S, note: S }),
    after: open({ id: S }),
    backward: true,
    forward: false,
  },
  {
    change: 'renaming a required field',
    before: open({ id: S, note: S }),
    after: open({ id: S, comment: S }),
    backward: false,
    forward: false,
  },
  {
    change: 'renaming an optional field of an open object',
    before: open({ id: S, note: Type.Optional(S) }),
    after: open({ id: S, comment: Type.Optional(S) }),
    backward: true,
    forward: true,
    strict: { backward: false, forward: false },
  },
  {
    change: 'making an optional field required',
    before: open({ id: S, note: Type.Optional(S) }),
    after: open({ id: S, note: S }),
    backward: false,
    forward: true,
  },
  {
    change: 'making a required field optional',
    before: open({ id: S, note: S }),
    after: open({ id: S, note: Type.Optional(S) }),
    backward: true,
    forward: false,
  },
  {
    change: 'closing an open object (additionalProperties: false)',
    before: open({ id: S }),
    after: closed({ id: S }),
    backward: true,
    forward: true,
    strict: { backward: false, forward: true },
  },
  {
    change: 'opening a closed object',
    before: closed({ id: S }),
    after: open({ id: S }),
    backward: true,
    forward: true,
    strict: { backward: true, forward: false },
  },
  {
    change: 'adding an enum value',
    before: Status('placed', 'shipped'),
    after: Status('placed', 'shipped', 'returned'),
    backward: true,
    forward: false,
  },
  {
    change: 'removing an enum value',
    before: Status('placed', 'shipped', 'returned'),
    after: Status('placed', 'shipped'),
    backward: false,
    forward: true,
  },
  {
    change: 'widening integer to number',
    before: Type.Integer(),
    after: Type.Number(),
    backward: true,
    forward: false,
  },
  {
    change: 'narrowing number to integer',
    before: Type.Number(),
    after: Type.Integer(),
    backward: false,
    forward: true,
  },
  {
    change: 'widening a maximum length',
    before: Type.String({ maxLength: 100 }),
    after: Type.String({ maxLength: 200 }),
    backward: true,
    forward: false,
  },
  {
    change: 'narrowing a range (minimum 0 → 1)',
    before: Type.Integer({ minimum: 0 }),
    after: Type.Integer({ minimum: 1 }),
    backward: false,
    forward: true,
  },
  {
    change: 'adding a format',
    before: S,
    after: Type.String({ format: 'uuid' }),
    backward: false,
    forward: true,
  },
  {
    change: 'changing a pattern',
    before: Type.String({ pattern: '^[a-z]+$' }),
    after: Type.String({ pattern: '^[a-z0-9]+$' }),
    backward: false,
    forward: false,
  },
  {
    change: 'changing a type (string → number)',
    before: open({ total: S }),
    after: open({ total: Type.Number() }),
    backward: false,
    forward: false,
  },
  {
    change: 'adding an optional field to a nested open object',
    before: open({ address: open({ city: S }) }),
    after: open({ address: open({ city: S, zip: Type.Optional(S) }) }),
    backward: true,
    forward: true,
    strict: { backward: false, forward: true },
  },
  {
    change: 'adding a required field to a nested closed object',
    before: open({ address: closed({ city: S }) }),
    after: open({ address: closed({ city: S, zip: S }) }),
    backward: false,
    forward: false,
  },
  {
    change: 'widening the items of an array',
    before: Type.Array(Type.Integer()),
    after: Type.Array(Type.Number()),
    backward: true,
    forward: false,
  },
  {
    change: 'lowering the maximum number of items',
    before: Type.Array(S, { maxItems: 10 }),
    after: Type.Array(S, { maxItems: 5 }),
    backward: false,
    forward: true,
  },
  {
    change: 'requiring unique items',
    before: Type.Array(S),
    after: Type.Array(S, { uniqueItems: true }),
    backward: false,
    forward: true,
  },
  {
    change: 'adding a field to the objects of an array (closed items)',
    before: Type.Array(closed({ sku: S })),
    after: Type.Array(closed({ sku: S, qty: Type.Optional(Type.Integer()) })),
    backward: true,
    forward: false,
  },
  {
    change: 'adding a branch to a union (nullable)',
    before: S,
    after: Type.Union([S, Type.Null()]),
    backward: true,
    forward: false,
  },
  {
    change: 'removing a branch from a union',
    before: Type.Union([S, Type.Number()]),
    after: S,
    backward: false,
    forward: true,
  },
  {
    change: 'adding a variant to a discriminated union of objects',
    before: Type.Union([closed({ kind: Type.Literal('card'), last4: S })]),
    after: Type.Union([
      closed({ kind: Type.Literal('card'), last4: S }),
      closed({ kind: Type.Literal('iban'), iban: S }),
    ]),
    backward: true,
    forward: false,
  },
  {
    change: 'widening the values of a record',
    before: Type.Record(S, Type.Integer()),
    after: Type.Record(S, Type.Number()),
    backward: true,
    forward: false,
  },
  {
    change: 'changing only a description',
    before: Type.String({ description: 'old' }),
    after: Type.String({ description: 'new' }),
    backward: true,
    forward: true,
  },
];

const verdict = (reader: TSchema, writer: TSchema, openContent: OpenContent): boolean =>
  canRead(reader, writer, { openContent }).length === 0;

function passes(row: Row, mode: CompatibilityMode, upcast: boolean): boolean {
  const rule = modeRule(mode);
  return (
    (rule.backward === 'none' || row.backward || upcast) && (rule.forward === 'none' || row.forward)
  );
}

const history = (row: Row, upcast: boolean): VersionSchema[] => [
  { version: 1, schema: toJsonSchema(row.before), upcast: false },
  { version: 2, schema: toJsonSchema(row.after), upcast },
];

describe('compatibility rules, one row per change', () => {
  describe.each(ROWS)('$change', (row) => {
    it(`is ${row.backward ? '' : 'not '}backward compatible: the new schema ${row.backward ? 'reads' : 'cannot read'} the old data`, () => {
      expect(verdict(row.after, row.before, 'declared')).toBe(row.backward);
    });
    it(`is ${row.forward ? '' : 'not '}forward compatible: the old schema ${row.forward ? 'reads' : 'cannot read'} the new data`, () => {
      expect(verdict(row.before, row.after, 'declared')).toBe(row.forward);
    });
    it('gives the same verdicts under plain JSON Schema semantics, except where the row says', () => {
      const strict = row.strict ?? row;
      expect(verdict(row.after, row.before, 'strict')).toBe(strict.backward);
      expect(verdict(row.before, row.after, 'strict')).toBe(strict.forward);
    });
    it.each(COMPATIBILITY_MODES)('under %s, without an upcaster', (mode) => {
      const conflicts = checkHistory(history(row, false), mode);
      expect(conflicts.length === 0).toBe(passes(row, mode, false));
    });
    it.each(COMPATIBILITY_MODES)('under %s, with an upcaster from version 1', (mode) => {
      const conflicts = checkHistory(history(row, true), mode);
      expect(conflicts.length === 0).toBe(passes(row, mode, true));
      // An upcaster serves new readers only: forward conflicts are never excused.
      expect(conflicts.every((c) => c.direction === 'forward')).toBe(true);
    });
  });

  it('explains each incompatibility at a path in the data', () => {
    const [issue] = canRead(
      open({ address: closed({ city: S, zip: S }) }),
      open({ address: closed({ city: S }) }),
    );
    expect(issue).toMatchObject({ path: '/address/zip', kind: 'property_required' });
    expect(issue?.message).toBe('reader requires "zip"; writer does not send it');
  });
});

describe('transitive modes', () => {
  // Each step is compatible, the first and the last are not.
  const v = (version: number, schema: TSchema): VersionSchema => ({
    version,
    schema: toJsonSchema(schema),
    upcast: false,
  });
  const backwardChain = [
    v(1, open({ id: S, ref: Type.Optional(Type.Integer()) })),
    v(2, open({ id: S, tag: Type.Optional(S) })),
    v(3, open({ id: S, tag: Type.Optional(S), ref: Type.Optional(S) })),
  ];
  const forwardChain = [
    v(1, open({ id: S, ref: Type.Optional(Type.Integer()) })),
    v(2, open({ id: S })),
    v(3, open({ id: S, ref: Type.Optional(S) })),
  ];

  const chains = { backwardChain, forwardChain };
  it.each([
    ['BACKWARD', 'backwardChain', 0],
    ['BACKWARD_TRANSITIVE', 'backwardChain', 1],
    ['FORWARD', 'forwardChain', 0],
    ['FORWARD_TRANSITIVE', 'forwardChain', 1],
    ['FULL', 'forwardChain', 0],
    ['FULL_TRANSITIVE', 'forwardChain', 2],
  ] as const)(
    '%s on the %s finds %i conflicts, all between versions 1 and 3',
    (mode, chain, expected) => {
      const conflicts = checkHistory(chains[chain], mode);
      expect(conflicts).toHaveLength(expected);
      for (const c of conflicts) expect([c.reader, c.writer].sort()).toEqual([1, 3]);
    },
  );

  it('reads the oldest version through the upcaster chain under BACKWARD_TRANSITIVE', () => {
    const withUpcaster = [
      backwardChain[0]!,
      { ...backwardChain[1]!, upcast: true },
      backwardChain[2]!,
    ];
    expect(checkHistory(withUpcaster, 'BACKWARD_TRANSITIVE')).toEqual([]);
  });
});
