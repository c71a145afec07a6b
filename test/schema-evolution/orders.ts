/**
 * The order service of the schema-evolution tests, at three points of its history.
 *
 * `status_updated` (open objects, default mode) gains a required `carrier` in version 2 (an
 * upcaster fills it in) and loses `note` in version 3. `packed` is a closed object that gains
 * `weightKg` in version 2: new readers upgrade version 1, but version 1 readers refuse version 2.
 * `refunded` (mode NONE) is redeclared at version 2 without its history, and version 2 cannot
 * read version 1: it shows a version refused as a whole.
 */
import { Type } from '@sinclair/typebox';
import { defineTopics, event, topic } from '../../src/index.js';

const Status = Type.Union([
  Type.Literal('placed'),
  Type.Literal('shipped'),
  Type.Literal('delivered'),
]);

/** `status_updated` version 1. */
export const StatusV1 = Type.Object({
  orderId: Type.String({ minLength: 1 }),
  status: Status,
  note: Type.Optional(Type.String({ maxLength: 200 })),
});
/** Version 2 gains a required field. */
export const StatusV2 = Type.Object({
  orderId: Type.String({ minLength: 1 }),
  status: Status,
  note: Type.Optional(Type.String({ maxLength: 200 })),
  carrier: Type.String({ minLength: 1 }),
});
/** Version 3 loses one. */
export const StatusV3 = Type.Object({
  orderId: Type.String({ minLength: 1 }),
  status: Status,
  carrier: Type.String({ minLength: 1 }),
});

/** `packed` version 1: a closed object. */
export const PackedV1 = Type.Object(
  { orderId: Type.String(), boxes: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
/** Version 2 adds a field its version 1 readers refuse. */
export const PackedV2 = Type.Object(
  { orderId: Type.String(), boxes: Type.Integer({ minimum: 1 }), weightKg: Type.Number() },
  { additionalProperties: false },
);

/** `refunded` version 1. */
export const RefundedV1 = Type.Object({ orderId: Type.String(), amount: Type.Number() });
/** Version 2, declared alone: it requires a field version 1 never sends. */
export const RefundedV2 = Type.Object({
  orderId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
});

const statusV1 = event(StatusV1, { description: 'The order changed status.' });
const statusV2 = statusV1.evolve(StatusV2, { upcast: (v1) => ({ ...v1, carrier: 'unknown' }) });
const packedV1 = event(PackedV1, { description: 'The order was packed.' });
const packedV2 = packedV1.evolve(PackedV2, { upcast: (v1) => ({ ...v1, weightKg: 0 }) });

/** The service as first deployed. */
export const ordersV1 = defineTopics({
  order: topic('order:{orderId}', {
    events: {
      status_updated: statusV1,
      packed: packedV1,
      refunded: event(RefundedV1, { compatibility: 'NONE' }),
    },
  }),
});

/** After the first change: `carrier`, `weightKg`, and `refunded` version 2. */
export const ordersV2 = defineTopics({
  order: topic('order:{orderId}', {
    events: {
      status_updated: statusV2,
      packed: packedV2,
      refunded: event(RefundedV2, { version: 2, compatibility: 'NONE' }),
    },
  }),
});

/** After the second change: `status_updated` loses `note`. */
export const ordersV3 = defineTopics({
  order: topic('order:{orderId}', {
    events: {
      status_updated: statusV2.evolve(StatusV3),
      packed: packedV2,
      refunded: event(RefundedV2, { version: 2, compatibility: 'NONE' }),
    },
  }),
});

/** The registries by version, for the child processes. */
export const ordersAt = { 1: ordersV1, 2: ordersV2, 3: ordersV3 } as const;
