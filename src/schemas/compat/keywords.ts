/**
 * The JSON Schema keywords the compatibility rules compare, and the validation keywords they
 * cannot compare (a reader that uses one of those must keep it exactly as the writer has it).
 */

/** Validation keywords the rules understand. */
export const KNOWN_KEYWORDS: ReadonlySet<string> = new Set([
  'type',
  'const',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
]);

/**
 * Validation keywords the rules do not reason about. A reader schema using one is compatible
 * with a writer only where the writer has the very same keyword and value.
 */
export const UNCOMPARABLE_KEYWORDS: ReadonlySet<string> = new Set([
  '$ref',
  '$dynamicRef',
  '$defs',
  'definitions',
  'if',
  'then',
  'else',
  'contains',
  'minContains',
  'maxContains',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
]);

/** The JSON types. `integer` is a subtype of `number`. */
export const JSON_TYPES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'object',
  'array',
  'number',
  'integer',
  'string',
]);
