/**
 * The publishing service of the tracing example (checkout): starts the OpenTelemetry SDK with
 * `herald/otel`, handles one "request" — a span of its own, as an HTTP server instrumentation
 * would make — that publishes `order:{orderId}` `placed` with the generated client, prints the
 * trace id, flushes and exits.
 *
 *   SERVICE_NAME=checkout HERALD_SECRET=... npx tsx examples/tracing/publisher.ts
 */
import { trace } from '@opentelemetry/api';
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
await bus.start();

const tracer = trace.getTracer('checkout-example');
await tracer.startActiveSpan('POST /checkout', async (span) => {
  const receipt = await orders.order.placed.publish(
    { orderId: config.orderId },
    { item: 'kettle', quantity: 1 },
  );
  console.log(`published ${receipt.id} over ${receipt.transport}`);
  console.log(`trace=${span.spanContext().traceId}`);
  span.end();
});

await bus.stop();
await otel.shutdown();
