/**
 * What the compatibility rules report: one {@link Incompatibility} per reason a reader schema
 * cannot read every value a writer schema allows, at a path in the data.
 */
import type { JsonSchema } from './json.js';

/** Why a reader cannot read a writer's data. */
export const IncompatibilityKind = {
  /** The writer sends a JSON type the reader refuses (`string` → `number`, `number` → `integer`). */
  TypeNarrowed: 'type_narrowed',
  /** A value the writer can send (a `const`, an `enum` member) that the reader refuses. */
  ValueRefused: 'value_refused',
  /** The reader accepts a fixed set of values; the writer is not limited to it. */
  ValuesNarrowed: 'values_narrowed',
  /** A bound is tighter in the reader: length, range, item or property count. */
  RangeNarrowed: 'range_narrowed',
  /** The reader requires a `pattern` the writer does not have. */
  PatternChanged: 'pattern_changed',
  /** The reader requires a `format` the writer does not have. */
  FormatAdded: 'format_added',
  /** The reader requires a `multipleOf` the writer's values need not meet. */
  MultipleOfChanged: 'multiple_of_changed',
  /** The reader requires a property the writer may leave out (or never sends). */
  PropertyRequired: 'property_required',
  /** The writer sends a property the reader's closed object refuses. */
  PropertyRefused: 'property_refused',
  /** The writer sends an array item (at a position) the reader refuses. */
  ItemRefused: 'item_refused',
  /** The reader requires unique items; the writer's items need not be. */
  UniqueItemsAdded: 'unique_items_added',
  /** No branch of the reader's union reads everything the writer sends. */
  NoMatchingBranch: 'no_matching_branch',
  /** The rules cannot compare these schemas (`$ref`, `if`/`then`, `contains`, ...) and they differ. */
  Uncomparable: 'uncomparable',
} as const;

/** One kind of incompatibility. */
export type IncompatibilityKind = (typeof IncompatibilityKind)[keyof typeof IncompatibilityKind];

/** One reason a reader cannot read a writer's data. */
export interface Incompatibility {
  /**
   * Where in the data: a JSON pointer (`/customer/email`), with `*` for any array item and
   * `{additional}` for properties neither schema names. `''` is the payload itself.
   */
  readonly path: string;
  readonly kind: IncompatibilityKind;
  /** A sentence that says what the writer can send and the reader refuses. */
  readonly message: string;
}

/**
 * How the rules treat what an open object (`additionalProperties` absent or `true`) does not
 * declare, on the writer's side.
 *
 * - `'declared'` (Herald's default): a writer sends the properties its schema declares. Open
 *   content is a promise of *readers* (they let unknown properties through), not a licence for
 *   writers. An open object that declares no property at all is a free-form bag and may hold
 *   anything.
 * - `'strict'`: plain JSON Schema set semantics: an open writer may send any property with any
 *   value (Confluent's reading, confluentinc/schema-registry#1458).
 */
export type OpenContent = 'declared' | 'strict';

/** Options of the compatibility rules. */
export interface CompatOptions {
  /**
   * How the writer's undeclared properties count; see {@link OpenContent}.
   * @default 'declared'
   */
  readonly openContent?: OpenContent;
}

/** State of one comparison, passed down the recursion. */
export interface ReadContext {
  readonly openContent: OpenContent;
  readonly depth: number;
  /** Compares two subschemas (the entry point, so type modules need not import it). */
  read(reader: JsonSchema, writer: JsonSchema, path: string, ctx: ReadContext): Incompatibility[];
}
