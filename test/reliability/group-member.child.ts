/**
 * One member of the `nats-group` reliability scenario's consumer group, run as
 * `node --import tsx <this file> <nodeId> <natsUrl> <prefix> <heartbeatMs> <timeoutMs>`.
 * Prints `ready` once subscribed; every 50 ms `h <seq> <seq> ...` for the publisher's messages its
 * handler saw since the last line; `gap <from> <to> <group> <lost node>` for every gap it is
 * told of (`-` for a transport gap's group and node).
 */
import { natsTransport } from '../../src/adapters/nats/index.js';
import { createBus } from '../../src/index.js';
import { keys, registry, TOPIC } from './fixtures.js';

const [nodeId = '', url = '', prefix = '', beat = '1000', timeout = '3000'] = process.argv.slice(2);
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const bus = createBus({
  registry,
  keys,
  nodeId,
  transport: natsTransport({ url, prefix }),
  groupHeartbeat: { heartbeatMs: Number(beat), timeoutMs: Number(timeout) },
  log: false,
});
bus.on('gap', (g) => say(`gap ${g.from} ${g.to} ${g.group ?? '-'} ${g.node ?? '-'}`));
let handled: number[] = [];
setInterval(() => {
  if (handled.length === 0) return;
  say(`h ${handled.join(' ')}`);
  handled = [];
}, 50);
await bus.start();
await bus.subscribe(TOPIC, (m) => void handled.push(m.meta.seq), {
  group: 'workers',
  queue: { limit: 1_000_000 },
});
say('ready');
