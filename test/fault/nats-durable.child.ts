/**
 * A durable subscriber for the NATS durable fault test, run as `node --import tsx <this file>`.
 * Arguments: <nodeId> <natsUrl> <prefix>. Subscribes `orders:eu` as the durable consumer
 * `billing`, prints `ready`, then `handled <n> <id> <ms since the epoch>` at the end of the
 * handler for every message (stdout to a pipe is synchronous on Linux: a line printed is a
 * handler that finished, even when the process is killed right after). The time lets the tests
 * compare a handler's end with the time the server stored its handled-id record.
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
    say(`handled ${m.payload.n} ${m.meta.id} ${Date.now()}`);
  },
  { durable: 'billing', redelivery: { ackWaitMs: 1000 } },
);
say('ready');
