/**
 * The publisher of the orders example: an order service on Redis. Each publish is validated
 * against the registry and signed before it leaves the process; it prints the receipts, then
 * exits. Start the consumer first: Redis pub/sub delivers only to processes already subscribed.
 *
 *   HERALD_KEYS=orders-1=base64url:... REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/orders/publisher.ts
 *
 * In an application, import from 'herald' instead of '../../src/index.js'.
 */
import { createBus, keysFromEnv } from '../../src/index.js';
import { redisOptions, registry } from './registry.js';

const bus = createBus({
  registry,
  keys: keysFromEnv(), // HERALD_KEYS: the first key signs
  nodeId: `orders-${process.pid}`,
  transport: 'redis', // REDIS_URL, else 127.0.0.1:6379; start() fails if it does not answer
  transportOptions: { redis: redisOptions },
});
await bus.start();

// Typed: a wrong event name, a missing field or 'GBP' as currency does not compile.
const receipts = [
  await bus.broadcast('orders:eu', 'created', {
    orderId: 'ORD-1001',
    customerId: 'C-7',
    total: 25.5,
    currency: 'EUR',
  }),
  await bus.broadcast('orders:eu', 'created', {
    orderId: 'ORD-1002',
    customerId: 'C-9',
    total: 12,
    currency: 'EUR',
  }),
  await bus.broadcast('orders:eu', 'shipped', { orderId: 'ORD-1001', carrier: 'DHL' }),
];
for (const r of receipts) console.log(`published ${r.event} on ${r.topic} over ${r.transport}`);
await bus.stop();
