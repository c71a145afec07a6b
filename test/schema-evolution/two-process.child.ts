/**
 * One node of the two-process schema-evolution test, run as `node --import tsx <this file>`.
 * Arguments: <registry version 1|2> <nodeId> <peerId> <redisUrl> <prefix> <count>.
 *
 * It runs the order service at that version on Redis (transport and schema store), subscribes
 * to `order:42`, and prints one line per outcome of a message from the peer:
 * `recv <event> <writerVersion> <version> <valid> <json payload>` or
 * `rejected <reason> <event> <detail>`. `valid` says whether the payload matches this node's
 * own latest schema of the event. On `go` (stdin) it publishes `count` messages of each event
 * and prints `sent`; on `stop` it prints `stats <json>` and exits.
 */
import { createInterface } from 'node:readline';
import { Value } from '@sinclair/typebox/value';
import { Redis } from 'ioredis';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createBus, type Registry, redisSchemaStore } from '../../src/index.js';
import { testKeys } from '../../src/testing/index.js';
import { ordersAt } from './orders.js';

const [at = '1', nodeId = '', peerId = '', url = '', prefix = '', countArg = '0'] =
  process.argv.slice(2);
const version = at === '2' ? 2 : 1;
const count = Number(countArg);
const registry: Registry = ordersAt[version];
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const client = new Redis(url);
const bus = createBus({
  registry,
  keys: testKeys(),
  nodeId,
  transport: redisTransport({ url, prefix }),
  schemas: { store: redisSchemaStore(client, { prefix: `${prefix}schemas:` }) },
  instrumentation: false,
});

bus.on('rejected', (r) => {
  if (r.node === peerId) say(`rejected ${r.reason} ${r.event ?? '?'} ${r.detail}`);
});
await bus.start();
await bus.subscribe('order:42', (m) => {
  if (m.meta.node !== peerId) return;
  const schema = registry.entry('order')!.events.get(m.event)!.def.schema;
  const valid = Value.Check(schema, m.payload);
  say(
    `recv ${m.event} ${m.meta.writerVersion ?? m.meta.version} ${m.meta.version} ${valid} ${JSON.stringify(m.payload)}`,
  );
});
say('ready');

async function publish(): Promise<void> {
  for (let n = 1; n <= count; n++) {
    const orderId = `o${n}`;
    if (version === 1) {
      await bus.broadcast('order:42', 'status_updated', {
        orderId,
        status: 'placed',
        note: `n${n}`,
      });
      await bus.broadcast('order:42', 'packed', { orderId, boxes: n });
      await bus.broadcast('order:42', 'refunded', { orderId, amount: n + 0.5 });
    } else {
      await bus.broadcast('order:42', 'status_updated', {
        orderId,
        status: 'shipped',
        carrier: 'DHL',
      });
      await bus.broadcast('order:42', 'packed', { orderId, boxes: n, weightKg: n * 1.5 });
      await bus.broadcast('order:42', 'refunded', { orderId, amount: n, currency: 'EUR' });
    }
  }
  say('sent');
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') await publish();
  if (line === 'stop') break;
}
say(`stats ${JSON.stringify(bus.stats())}`);
await bus.stop();
client.disconnect();
process.exit(0);
