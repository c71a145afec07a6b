/**
 * One node of test/adapters/postgres-multiprocess.test.ts, run as its own Node process:
 * `node --import tsx postgres-multiprocess.child.ts <node> <peer> <url> <prefix> <run> <count> [forge]`.
 *
 * It starts a bus on the PostgreSQL transport, subscribes to the shared topic, prints `ready`,
 * waits for `go` on stdin, publishes `count` numbered notes (one of them larger than a NOTIFY
 * payload may be, so it crosses through the claim check) and one direct message to its peer,
 * waits for the peer's notes, then prints one JSON line with what it received and rejected.
 * With `forge`, it signs with a key of the right id but the wrong secret, and only publishes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import { createBus } from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { testRegistry } from '../../src/testing/registry.js';

const [node, peer, url, prefix, run, countText, mode] = process.argv.slice(2) as string[];
const count = Number(countText);
const forge = mode === 'forge';
const keys = forge
  ? { keys: [{ kid: 'test', secret: `base64url:${randomBytes(32).toString('base64url')}` }] }
  : testKeys();
const transport = postgresTransport({ connectionString: url as string, prefix: prefix as string });
const bus = createBus({ registry: testRegistry, keys, nodeId: node as string, transport });
const topic = testRegistry.topic('note', { run: run as string, name: 'mp' });

const notes: { n: number; node: string; kid: string; local: boolean; sha: string }[] = [];
const direct: { n: number; node: string }[] = [];
const rejected: string[] = [];
bus.on('rejected', (r) => void rejected.push(r.reason));

await bus.start();
await bus.subscribe(topic, (m) => {
  if (m.event !== 'posted') return;
  const entry = { n: m.payload.n, node: m.meta.node, kid: m.meta.kid ?? '', local: m.meta.local };
  if (m.payload.from === 'direct') direct.push({ n: m.payload.n, node: m.meta.node });
  else notes.push({ ...entry, sha: createHash('sha256').update(m.payload.text).digest('hex') });
});
console.log('ready');

const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;

for (let n = 0; n < count; n++) {
  const text = n === 3 ? `big:${'B'.repeat(20_000)}` : `note ${n} from ${node}`;
  await bus.broadcast(topic, 'posted', { n, from: node as string, text });
}
await bus.directBroadcast(peer as string, topic, 'posted', { n: 999, from: 'direct', text: 'hi' });

const deadline = Date.now() + 15_000;
const fromPeer = () => notes.filter((e) => e.node === peer).length;
while (!forge && (fromPeer() < count || direct.length < 1) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 20));
}
// Let anything a forger sent arrive and be refused before reporting.
await new Promise((r) => setTimeout(r, 300));
console.log(JSON.stringify({ node, notes, direct, rejected, stats: bus.stats() }));
await bus.stop();
process.exit(0);
