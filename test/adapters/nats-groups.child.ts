/**
 * One member of a consumer group in the NATS group test, run as `node --import tsx <this file>`.
 * Arguments: <nodeId> <natsUrl> <prefix> [heartbeatMs timeoutMs]. Prints `ready`,
 * `handled <node> <n>` for every message (`n` of its payload) its group subscription handles,
 * `gap <from> <to> <group> <lost node>` for every gap (`-` for a transport gap's group and node),
 * and `left` after `leave` on stdin (it unsubscribes, stops and exits 0).
 */
import { createInterface } from 'node:readline';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { createBus } from '../../src/index.js';
import { keys, registry } from '../fixtures/registry.js';

const [nodeId = '', url = '', prefix = '', beat = '1000', timeout = '3000'] = process.argv.slice(2);
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const bus = createBus({
  registry,
  keys,
  nodeId,
  transport: natsTransport({ url, prefix }),
  groupHeartbeat: { heartbeatMs: Number(beat), timeoutMs: Number(timeout) },
});
bus.on('gap', (g) => say(`gap ${g.from} ${g.to} ${g.group ?? '-'} ${g.node ?? '-'}`));
await bus.start();
const sub = await bus.subscribe(
  'room:g',
  (m) => say(`handled ${m.meta.node} ${m.event === 'message' ? m.payload.n : -1}`),
  {
    group: 'receipts',
  },
);
say('ready');

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'leave') {
    await sub.unsubscribe();
    await bus.stop();
    say('left');
    process.exit(0);
  }
}
