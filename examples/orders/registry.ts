/**
 * The orders example's registry, shared by its two processes: what an order service publishes
 * and a billing service consumes. Both import this file, so both validate the same schemas.
 */
import { Type } from '@sinclair/typebox';
import { defineTopics, event, topic } from '../../src/index.js';

const OrderId = Type.String({ pattern: '^ORD-[0-9]+$' });

/** The example's topics: one per region, `orders:eu`, `orders:us`. */
export const registry = defineTopics(
  {
    orders: topic('orders:{region}', {
      description: 'Orders of one region.',
      params: { region: Type.String({ pattern: '^[a-z]{2}$' }) },
      events: {
        created: event(
          Type.Object({
            orderId: OrderId,
            customerId: Type.String({ minLength: 1 }),
            total: Type.Number({ minimum: 0 }),
            currency: Type.Union([Type.Literal('EUR'), Type.Literal('USD')]),
          }),
          { description: 'A customer placed an order.' },
        ),
        shipped: event(Type.Object({ orderId: OrderId, carrier: Type.String() }), {
          description: 'The order left the warehouse.',
        }),
      },
    }),
  },
  { title: 'Orders example', version: '1.0.0' },
);

/** The channel prefix on Redis (`HERALD_PREFIX`), the same for both processes. */
export const redisOptions = { prefix: process.env.HERALD_PREFIX ?? 'orders-example:' };
