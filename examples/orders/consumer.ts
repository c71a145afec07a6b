/**
 * The consumer of the orders example: a billing service on Redis. It verifies every message
 * (signature, freshness, schema) before its handler sees it, prints each order, and stops on
 * Ctrl-C (SIGINT) or SIGTERM.
 *
 *   HERALD_KEYS=orders-1=base64url:... REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/orders/consumer.ts
 *
 * In an application, import from 'herald' instead of '../../src/index.js'.
 */
import { createBus, keysFromEnv } from '../../src/index.js';
import { redisOptions, registry } from './registry.js';

const bus = createBus({
  registry,
  keys: keysFromEnv(), // HERALD_KEYS: the same keys as the publisher
  nodeId: `billing-${process.pid}`,
  transport: 'redis', // REDIS_URL, else 127.0.0.1:6379; start() fails if it does not answer
  transportOptions: { redis: redisOptions },
});
await bus.start();

let handled = 0;
await bus.subscribe('orders:eu', (message) => {
  handled++;
  // `message.event` narrows the payload type: created and shipped have different fields.
  if (message.event === 'created') {
    const { orderId, total, currency, customerId } = message.payload;
    console.log(
      `${orderId} created: ${total} ${currency} for ${customerId} (key ${message.meta.kid})`,
    );
  } else {
    console.log(`${message.payload.orderId} shipped with ${message.payload.carrier}`);
  }
});
console.log('billing: listening on orders:eu over redis; Ctrl-C stops');

const stop = async (): Promise<void> => {
  await bus.stop();
  console.log(`billing: stopped after ${handled} message(s)`);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
