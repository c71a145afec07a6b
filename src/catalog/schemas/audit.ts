/**
 * Audit trail, on `audit`: changes to data and administrative actions, with who did them.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Actor, Context, DottedName, NodeId, Scalar, Text, Timestamp } from './common.js';

/** What happened to a record. */
export const DataAction = Type.Union([
  Type.Literal('create'),
  Type.Literal('update'),
  Type.Literal('delete'),
]);
/** What happened to a record. */
export type DataAction = Static<typeof DataAction>;

/** One changed field. Sensitive values are left out and `redacted` is true. */
export const FieldChange = Type.Object(
  {
    field: Text(128, 'Field path, e.g. address.city'),
    before: Type.Optional(Scalar),
    after: Type.Optional(Scalar),
    redacted: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
/** One changed field. */
export type FieldChange = Static<typeof FieldChange>;

/** A record was created, updated or deleted. */
export const DataChange = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    actor: Actor,
    action: DataAction,
    entity: DottedName,
    entityId: Text(128),
    changes: Type.Array(FieldChange, { maxItems: 100 }),
    requestId: Type.Optional(Text(128)),
    reason: Type.Optional(Text(512)),
  },
  { additionalProperties: false },
);
/** A record was created, updated or deleted. */
export type DataChange = Static<typeof DataChange>;

/** The outcome of an attempted action. */
export const Outcome = Type.Union([
  Type.Literal('success'),
  Type.Literal('failure'),
  Type.Literal('denied'),
]);
/** The outcome of an attempted action. */
export type Outcome = Static<typeof Outcome>;

/** An administrator (or an automated operator) performed a privileged action. */
export const AdminAction = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    actor: Actor,
    action: DottedName,
    target: Type.Optional(
      Type.Object({ type: DottedName, id: Text(128) }, { additionalProperties: false }),
    ),
    outcome: Outcome,
    parameters: Type.Optional(Context),
    reason: Type.Optional(Text(512)),
  },
  { additionalProperties: false },
);
/** A privileged action. */
export type AdminAction = Static<typeof AdminAction>;
