/**
 * A durable subscriber for the NATS durable fault test, run as `node --import tsx <this file>`.
 * Arguments: <nodeId> <natsUrl> <prefix>. Subscribes `orders:eu` as the durable consumer
 * `billing`, prints `ready`, then `handled <n> <id>` from inside the handler for every message
 * (stdout to a pipe is synchronous on Linux: a line printed is a handler that ran, even when the
 * process is killed right after).
 */
import { natsTransport } from '../../src/adapters/nats/index.js';
import { createBus } from '../../src/index.js';
import { durableRegistry } from '../adapters/nats-durable.helpers.js';
import { keys } from '../fixtures/registry.js';

const [nodeId = '', url = '', prefix = ''] = process.argv.slice(2);
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const bus = createBus({
  registry: durableRegistry,
  keys,
  nodeId,
  log: false,
  transport: natsTransport({ url, prefix }),
});
await bus.start();
await bus.subscribe(
  'orders:eu',
  async (m) => {
    await new Promise((r) => setTimeout(r, 2));
    say(`handled ${m.payload.n} ${m.meta.id}`);
  },
  { durable: 'billing', redelivery: { ackWaitMs: 1000 } },
);
say('ready');
