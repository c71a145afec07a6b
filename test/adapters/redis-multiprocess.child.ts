/**
 * One node of the Redis multi-process test, run as `node --import tsx <this file>`.
 * Arguments: <nodeId> <peerId> <redisUrl> <prefix> <count> [forge].
 *
 * Prints one line per step on stdout: `ready`, `recv <node> <seq> <kid> <local> <text>` for every
 * message, `rejected <reason> <node>` for every refused one, and `done` once `count` broadcasts
 * and one direct message from the peer have arrived. Reads `go` (start publishing) and `stop`
 * from stdin. With `forge`, it signs with a key nobody trusts, publishes `count` messages, exits.
 */
import { createInterface } from 'node:readline';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createBus } from '../../src/index.js';
import { keys, registry, secret } from '../fixtures/registry.js';

const [nodeId = '', peerId = '', url = '', prefix = '', countArg = '0', mode = ''] =
  process.argv.slice(2);
const count = Number(countArg);
const forge = mode === 'forge';
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const bus = createBus({
  registry,
  keys: forge ? { keys: [{ kid: 'k1', secret: secret(99) }] } : keys,
  nodeId,
  transport: redisTransport({ url, prefix }),
});
let broadcasts = 0;
let direct = 0;
let finished = false;
bus.on('rejected', (r) => say(`rejected ${r.reason} ${r.node ?? '?'}`));
await bus.start();
await bus.subscribe('room:mp', (m) => {
  const text = (m.payload as { text: string }).text;
  say(`recv ${m.meta.node} ${m.meta.seq} ${m.meta.kid ?? '-'} ${m.meta.local} ${text}`);
  if (m.meta.node !== peerId) return;
  if (text === 'direct') direct++;
  else broadcasts++;
  if (!finished && broadcasts === count && direct === 1) {
    finished = true;
    say('done');
  }
});
say('ready');

const publish = async (): Promise<void> => {
  for (let n = 1; n <= count; n++) {
    await bus.broadcast('room:mp', 'message', { text: `hello from ${nodeId}`, n });
  }
  if (!forge) await bus.directBroadcast(peerId, 'room:mp', 'message', { text: 'direct', n: 0 });
};

if (forge) {
  await publish();
  await bus.stop();
  process.exit(0);
}
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') await publish();
  if (line === 'stop') break;
}
await bus.stop();
process.exit(0);
