/**
 * The compatibility rules, table-driven: every change of the issue (adding an optional field,
 * adding an enum value, widening, narrowing, removing or renaming a field, changing
 * additionalProperties, changing the required set, nested objects, arrays, unions) as one row,
 * with whether the new schema reads the old data (backward) and the old reads the new
 * (forward); then every row under every mode, with and without an upcaster, against outcomes
 * written out per mode; then three-version histories where the transitive modes and their
 * non-transitive variants disagree.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  canRead,
  checkHistory,
  type OpenContent,
  toJsonSchema,
  type VersionConflict,
  type VersionSchema,
} from '../../../src/schemas/compat/index.js';

/**
 * The conflicts a history has under one mode, written out (never computed from `modeRule`, so a
 * wrong mode table fails here): `ok` none, `B` backward only (the newer version cannot read the
 * older data), `F` forward only (the older version cannot read the newer data), `BF` both.
 */
type Outcome = 'ok' | 'B' | 'F' | 'BF';
type Outcomes = readonly [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];

/** The column order of {@link Outcomes}. */
const MODES = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const satisfies readonly CompatibilityMode[];

const outcomeOf = (conflicts: readonly VersionConflict[]): Outcome => {
  const b = conflicts.some((c) => c.direction === 'backward');
  const f = conflicts.some((c) => c.direction === 'forward');
  return b ? (f ? 'BF' : 'B') : f ? 'F' : 'ok';
};

interface Row {
  readonly change: string;
  readonly before: TSchema;
  readonly after: TSchema;
  /** New reads old. */
  readonly backward: boolean;
  /** Old reads new. */
  readonly forward: boolean;
  /** What a history of `before` then `after` breaks under each mode, in the order of {@link MODES}. */
  readonly modes: Outcomes;
  /** The same when version 2 declares an upcaster from version 1. */
  readonly withUpcaster: Outcomes;
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
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    strict: { backward: false, forward: true },
  },
  {
    change: 'adding an optional field to a closed object',
    before: closed({ id: S }),
    after: closed({ id: S, note: Type.Optional(S) }),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'adding an optional field to a partially open object whose extras are strings',
    before: Type.Object({ id: S }, { additionalProperties: S }),
    after: Type.Object({ id: S, note: Type.Optional(S) }, { additionalProperties: S }),
    backward: true,
    forward: true,
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'adding an optional number to a partially open object whose extras are strings',
    before: Type.Object({ id: S }, { additionalProperties: S }),
    after: Type.Object({ id: S, note: Type.Optional(Type.Number()) }, { additionalProperties: S }),
    backward: false,
    forward: false,
    modes: ['ok', 'B', 'B', 'F', 'F', 'BF', 'BF'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'adding a required field to an open object',
    before: open({ id: S }),
    after: open({ id: S, carrier: S }),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'adding a required field to a closed object',
    before: closed({ id: S }),
    after: closed({ id: S, carrier: S }),
    backward: false,
    forward: false,
    modes: ['ok', 'B', 'B', 'F', 'F', 'BF', 'BF'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'removing an optional field from an open object',
    before: open({ id: S, note: Type.Optional(S) }),
    after: open({ id: S }),
    backward: true,
    forward: true,
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    strict: { backward: true, forward: false },
  },
  {
    change: 'removing an optional field from a closed object',
    before: closed({ id: S, note: Type.Optional(S) }),
    after: closed({ id: S }),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'removing a required field from an open object',
    before: open({ id: S, note: S }),
    after: open({ id: S }),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'renaming a required field',
    before: open({ id: S, note: S }),
    after: open({ id: S, comment: S }),
    backward: false,
    forward: false,
    modes: ['ok', 'B', 'B', 'F', 'F', 'BF', 'BF'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'renaming an optional field of an open object',
    before: open({ id: S, note: Type.Optional(S) }),
    after: open({ id: S, comment: Type.Optional(S) }),
    backward: true,
    forward: true,
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    strict: { backward: false, forward: false },
  },
  {
    change: 'making an optional field required',
    before: open({ id: S, note: Type.Optional(S) }),
    after: open({ id: S, note: S }),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'making a required field optional',
    before: open({ id: S, note: S }),
    after: open({ id: S, note: Type.Optional(S) }),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'closing an open object (additionalProperties: false)',
    before: open({ id: S }),
    after: closed({ id: S }),
    backward: true,
    forward: true,
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    strict: { backward: false, forward: true },
  },
  {
    change: 'opening a closed object',
    before: closed({ id: S }),
    after: open({ id: S }),
    backward: true,
    forward: true,
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    strict: { backward: true, forward: false },
  },
  {
    change: 'adding an enum value',
    before: Status('placed', 'shipped'),
    after: Status('placed', 'shipped', 'returned'),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'removing an enum value',
    before: Status('placed', 'shipped', 'returned'),
    after: Status('placed', 'shipped'),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'widening integer to number',
    before: Type.Integer(),
    after: Type.Number(),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'narrowing number to integer',
    before: Type.Number(),
    after: Type.Integer(),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'widening a maximum length',
    before: Type.String({ maxLength: 100 }),
    after: Type.String({ maxLength: 200 }),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'narrowing a range (minimum 0 → 1)',
    before: Type.Integer({ minimum: 0 }),
    after: Type.Integer({ minimum: 1 }),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'adding a format',
    before: S,
    after: Type.String({ format: 'uuid' }),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'changing a pattern',
    before: Type.String({ pattern: '^[a-z]+$' }),
    after: Type.String({ pattern: '^[a-z0-9]+$' }),
    backward: false,
    forward: false,
    modes: ['ok', 'B', 'B', 'F', 'F', 'BF', 'BF'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'changing a type (string → number)',
    before: open({ total: S }),
    after: open({ total: Type.Number() }),
    backward: false,
    forward: false,
    modes: ['ok', 'B', 'B', 'F', 'F', 'BF', 'BF'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'adding an optional field to a nested open object',
    before: open({ address: open({ city: S }) }),
    after: open({ address: open({ city: S, zip: Type.Optional(S) }) }),
    backward: true,
    forward: true,
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    strict: { backward: false, forward: true },
  },
  {
    change: 'adding a required field to a nested closed object',
    before: open({ address: closed({ city: S }) }),
    after: open({ address: closed({ city: S, zip: S }) }),
    backward: false,
    forward: false,
    modes: ['ok', 'B', 'B', 'F', 'F', 'BF', 'BF'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'widening the items of an array',
    before: Type.Array(Type.Integer()),
    after: Type.Array(Type.Number()),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'lowering the maximum number of items',
    before: Type.Array(S, { maxItems: 10 }),
    after: Type.Array(S, { maxItems: 5 }),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'requiring unique items',
    before: Type.Array(S),
    after: Type.Array(S, { uniqueItems: true }),
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    change: 'adding a field to the objects of an array (closed items)',
    before: Type.Array(closed({ sku: S })),
    after: Type.Array(closed({ sku: S, qty: Type.Optional(Type.Integer()) })),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'adding a branch to a union (nullable)',
    before: S,
    after: Type.Union([S, Type.Null()]),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'removing a branch from a union',
    before: Type.Union([S, Type.Number()]),
    after: S,
    backward: false,
    forward: true,
    modes: ['ok', 'B', 'B', 'ok', 'ok', 'B', 'B'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
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
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'widening the values of a record',
    before: Type.Record(S, Type.Integer()),
    after: Type.Record(S, Type.Number()),
    backward: true,
    forward: false,
    modes: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
    withUpcaster: ['ok', 'ok', 'ok', 'F', 'F', 'F', 'F'],
  },
  {
    change: 'changing only a description',
    before: Type.String({ description: 'old' }),
    after: Type.String({ description: 'new' }),
    backward: true,
    forward: true,
    modes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    withUpcaster: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
];

const verdict = (reader: TSchema, writer: TSchema, openContent: OpenContent): boolean =>
  canRead(reader, writer, { openContent }).length === 0;

const history = (row: Row, upcast: boolean): VersionSchema[] => [
  { version: 1, schema: toJsonSchema(row.before), upcast: false },
  { version: 2, schema: toJsonSchema(row.after), upcast },
];

describe('compatibility rules, one row per change', () => {
  it('lists the seven modes in the column order of the tables', () => {
    expect(COMPATIBILITY_MODES).toEqual(MODES);
  });

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
    it.each(MODES.map((mode, i) => [mode, row.modes[i]!] as const))(
      'under %s, without an upcaster: %s',
      (mode, expected) => {
        const conflicts = checkHistory(history(row, false), mode);
        expect(outcomeOf(conflicts)).toBe(expected);
        for (const c of conflicts) {
          expect(c.direction === 'backward' ? [c.reader, c.writer] : [c.writer, c.reader]).toEqual([
            2, 1,
          ]);
        }
      },
    );
    it.each(MODES.map((mode, i) => [mode, row.withUpcaster[i]!] as const))(
      'under %s, with an upcaster from version 1: %s',
      (mode, expected) => {
        // An upcaster serves new readers only: forward conflicts are never excused.
        expect(outcomeOf(checkHistory(history(row, true), mode))).toBe(expected);
      },
    );
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

describe('transitive modes, on three-version histories', () => {
  const v = (version: number, schema: TSchema, upcast = false): VersionSchema => ({
    version,
    schema: toJsonSchema(schema),
    upcast,
  });
  /** A conflict as `<reader> reads <writer> (<direction>)`. */
  type Seen = `${number} reads ${number} (${'backward' | 'forward'})`;
  const seen = (conflicts: readonly VersionConflict[]): Seen[] =>
    conflicts.map((c): Seen => `${c.reader} reads ${c.writer} (${c.direction})`).sort();

  interface Chain {
    readonly name: string;
    readonly versions: readonly VersionSchema[];
    /** Every conflict under each mode, written out. */
    readonly expected: Readonly<Record<CompatibilityMode, readonly Seen[]>>;
  }

  const CHAINS: readonly Chain[] = [
    {
      // Each step is compatible both ways (open objects); version 3 reads version 1's integer
      // `ref` as a number, but version 1 cannot read version 3's.
      name: 'an optional integer dropped, then brought back as a number',
      versions: [
        v(1, open({ id: S, ref: Type.Optional(Type.Integer()) })),
        v(2, open({ id: S })),
        v(3, open({ id: S, ref: Type.Optional(Type.Number()) })),
      ],
      expected: {
        NONE: [],
        BACKWARD: [],
        BACKWARD_TRANSITIVE: [],
        FORWARD: [],
        FORWARD_TRANSITIVE: ['1 reads 3 (forward)'],
        FULL: [],
        FULL_TRANSITIVE: ['1 reads 3 (forward)'],
      },
    },
    {
      // The mirror image: version 1 reads version 3's integer, version 3 cannot read version 1's
      // numbers (through the identity steps or directly).
      name: 'an optional number dropped, then brought back as an integer',
      versions: [
        v(1, open({ id: S, ref: Type.Optional(Type.Number()) })),
        v(2, open({ id: S })),
        v(3, open({ id: S, ref: Type.Optional(Type.Integer()) })),
      ],
      expected: {
        NONE: [],
        BACKWARD: [],
        BACKWARD_TRANSITIVE: ['3 reads 1 (backward)'],
        FORWARD: [],
        FORWARD_TRANSITIVE: [],
        FULL: [],
        FULL_TRANSITIVE: ['3 reads 1 (backward)'],
      },
    },
    {
      name: 'an optional field that changes type while out of the schema',
      versions: [
        v(1, open({ id: S, ref: Type.Optional(Type.Integer()) })),
        v(2, open({ id: S, tag: Type.Optional(S) })),
        v(3, open({ id: S, tag: Type.Optional(S), ref: Type.Optional(S) })),
      ],
      expected: {
        NONE: [],
        BACKWARD: [],
        BACKWARD_TRANSITIVE: ['3 reads 1 (backward)'],
        FORWARD: [],
        FORWARD_TRANSITIVE: ['1 reads 3 (forward)'],
        FULL: [],
        FULL_TRANSITIVE: ['1 reads 3 (forward)', '3 reads 1 (backward)'],
      },
    },
    {
      // Each new value breaks every older reader: the transitive modes find one more conflict.
      name: 'an enum that gains a value twice',
      versions: [
        v(1, Status('placed', 'shipped')),
        v(2, Status('placed', 'shipped', 'returned')),
        v(3, Status('placed', 'shipped', 'returned', 'lost')),
      ],
      expected: {
        NONE: [],
        BACKWARD: [],
        BACKWARD_TRANSITIVE: [],
        FORWARD: ['1 reads 2 (forward)', '2 reads 3 (forward)'],
        FORWARD_TRANSITIVE: ['1 reads 2 (forward)', '1 reads 3 (forward)', '2 reads 3 (forward)'],
        FULL: ['1 reads 2 (forward)', '2 reads 3 (forward)'],
        FULL_TRANSITIVE: ['1 reads 2 (forward)', '1 reads 3 (forward)', '2 reads 3 (forward)'],
      },
    },
    {
      // The mirror image: each version drops a value the older ones send.
      name: 'an enum that loses a value twice',
      versions: [
        v(1, Status('placed', 'shipped', 'returned', 'lost')),
        v(2, Status('placed', 'shipped', 'returned')),
        v(3, Status('placed', 'shipped')),
      ],
      expected: {
        NONE: [],
        BACKWARD: ['2 reads 1 (backward)', '3 reads 2 (backward)'],
        BACKWARD_TRANSITIVE: [
          '2 reads 1 (backward)',
          '3 reads 1 (backward)',
          '3 reads 2 (backward)',
        ],
        FORWARD: [],
        FORWARD_TRANSITIVE: [],
        FULL: ['2 reads 1 (backward)', '3 reads 2 (backward)'],
        FULL_TRANSITIVE: ['2 reads 1 (backward)', '3 reads 1 (backward)', '3 reads 2 (backward)'],
      },
    },
    {
      // A required field added with an upcaster, then made optional again: the upcaster excuses
      // the backward steps (its chain reaches version 1), nothing excuses the forward ones.
      name: 'a field required with an upcaster, then optional again',
      versions: [
        v(1, closed({ id: S })),
        v(2, closed({ id: S, carrier: S }), true),
        v(3, closed({ id: S, carrier: Type.Optional(S) })),
      ],
      expected: {
        NONE: [],
        BACKWARD: [],
        BACKWARD_TRANSITIVE: [],
        FORWARD: ['1 reads 2 (forward)', '2 reads 3 (forward)'],
        FORWARD_TRANSITIVE: ['1 reads 2 (forward)', '1 reads 3 (forward)', '2 reads 3 (forward)'],
        FULL: ['1 reads 2 (forward)', '2 reads 3 (forward)'],
        FULL_TRANSITIVE: ['1 reads 2 (forward)', '1 reads 3 (forward)', '2 reads 3 (forward)'],
      },
    },
  ];

  describe.each(CHAINS)('$name', (chain) => {
    it.each(MODES)('under %s', (mode) => {
      expect(seen(checkHistory(chain.versions, mode))).toEqual([...chain.expected[mode]].sort());
    });
  });

  it('reads the oldest version through the upcaster chain under BACKWARD_TRANSITIVE', () => {
    const [v1, v2, v3] = CHAINS[2]!.versions;
    expect(checkHistory([v1!, { ...v2!, upcast: true }, v3!], 'BACKWARD_TRANSITIVE')).toEqual([]);
  });
});
