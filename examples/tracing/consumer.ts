/**
 * A consumer service of the tracing example (billing or shipping): starts the OpenTelemetry SDK
 * with `herald/otel`, subscribes to one order over Redis through the generated client, prints
 * `ready`, handles the messages, then flushes its spans and exits. Each handler run is a
 * `process order:{orderId}` span whose parent is the publisher's span in another process.
 *
 *   SERVICE_NAME=billing HERALD_SECRET=... npx tsx examples/tracing/consumer.ts
 */
import { createBus } from '../../src/index.js';
import { startOtel } from '../../src/otel/index.js';
import { createClient, validators } from './generated/client.js';
import { registry, settings } from './topics.js';

const config = settings();
const otel = startOtel({ serviceName: config.serviceName, spanDelayMs: 200 });
const bus = createBus({
  registry,
  keys: config.keys,
  nodeId: `${config.serviceName}-${process.pid}`,
  transport: 'redis',
  transportOptions: { redis: { url: config.redisUrl, prefix: config.prefix } },
  validators,
});
const orders = createClient(bus);
const guard = setTimeout(() => {
  console.error(`${config.serviceName}: no message within 30 s`);
  process.exit(1);
}, 30_000);

await bus.start();
let seen = 0;
let finish = (): void => undefined;
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});
// Resolves once Redis confirmed the subscription: from here on, nothing published is missed.
await orders.order.subscribe({ orderId: config.orderId }, async (message) => {
  // Some work, so the span has a visible duration.
  await new Promise((r) => setTimeout(r, 5));
  console.log(
    `${config.serviceName}: ${message.event} ${JSON.stringify(message.payload)} traceparent=${message.meta.traceparent}`,
  );
  // After the handler returns, so its span has ended before the SDK flushes.
  if (++seen >= config.expect) setTimeout(finish, 10);
});
console.log('ready');
await finished;
clearTimeout(guard);
await bus.stop();
await otel.shutdown();
