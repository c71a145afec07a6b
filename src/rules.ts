/**
 * Rules that several modules check, each defined once here. The id rule is normative in
 * docs/wire-format.md and docs/bus.md.
 */

/**
 * An id: a node id (`createBus({ nodeId })`, header `nid`), a key id (`kid`), an epoch, a replay
 * group. 1-64 characters of `[A-Za-z0-9_.-]`: no `:`, as node ids and epochs are joined with
 * `:` into message ids.
 */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * An identifier: a payload field or template parameter name, an event name. A letter or `_`,
 * then letters, digits and `_`, as in most programming languages.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A SQL table name Herald creates (`name` or `schema.name`): unquoted identifiers of at most 40
 * characters each, so that derived index names stay within PostgreSQL's 63 bytes.
 */
export const SQL_TABLE_PATTERN = /^([A-Za-z_][A-Za-z0-9_]{0,39}\.)?[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** The default of `limits.maxBytes`: the largest envelope a bus sends or accepts, in bytes. */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
