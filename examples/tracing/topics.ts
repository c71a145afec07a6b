/**
 * The tracing example's one topic: orders, placed by a checkout service and consumed by billing
 * and shipping. Its typed client is generated into `generated/` (`npm run codegen:all`).
 */
import { Type } from '@sinclair/typebox';
import { defineTopics, event, topic } from '../../src/index.js';

/** Topics of the example. */
export const registry = defineTopics(
  {
    order: topic('order:{orderId}', {
      description: 'The life of one order.',
      events: {
        placed: event(
          Type.Object({ item: Type.String(), quantity: Type.Integer({ minimum: 1 }) }),
          { description: 'A customer placed the order.' },
        ),
      },
    }),
  },
  { title: 'Tracing example', version: '1.0.0' },
);

/** Settings every process of the example reads from its environment. */
export function settings(env: NodeJS.ProcessEnv = process.env) {
  const secret = env.HERALD_SECRET;
  if (secret === undefined) throw new Error('HERALD_SECRET (32+ bytes, base64url) is required');
  return {
    serviceName: env.SERVICE_NAME ?? 'herald-example',
    keys: { keys: [{ kid: 'example', secret: `base64url:${secret}` }] },
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: env.HERALD_PREFIX ?? 'herald-tracing-example:',
    orderId: env.ORDER_ID ?? '1001',
    /** Messages a consumer handles before it exits. */
    expect: Number(env.EXPECT ?? '1'),
  };
}
