/**
 * Herald's terminal demo (`npm run demo:terminal`): two nodes of a chat service exchange signed, validated
 * messages through generated, typed clients — then an eavesdropper and a node with an outdated
 * schema try to get bad messages in, and fail.
 *
 * The transport is `'auto'`: Redis if it answers on 127.0.0.1:6379, else PostgreSQL, else the
 * in-process transport, so the demo runs on a machine with no servers at all.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import {
  type ChainOptions,
  createBus,
  defineTopics,
  event,
  isHeraldError,
  type Rejection,
  resolveTransport,
  type TransportSink,
  topic,
} from '../../src/index.js';
import { createClient, validators } from './generated/client.js';
import { registry } from './registry.js';

const transportOptions: ChainOptions = { connectTimeoutMs: 500 };
const secret = randomBytes(32);
const keys = { keys: [{ kid: 'chat-2026-11', secret }] };
const wait = (ms = 100): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const now = (): string => new Date().toISOString();
const line = (who: string, text: string): void => console.log(`  ${who.padEnd(8)} ${text}`);

// Two nodes of the chat service, each with the generated client and precompiled validators.
// Bob tells the story of each attack; alice (also on room:lobby) would write the same
// rejections to stderr, so her report is off (docs/bus.md, "Loud by default").
const alice = createBus({
  registry,
  keys,
  nodeId: 'alice',
  validators,
  transportOptions,
  log: false,
});
const bob = createBus({ registry, keys, nodeId: 'bob', validators, transportOptions });
await Promise.all([alice.start(), bob.start()]);
const status = alice.transport();
console.log(`\nHerald demo: two nodes on the "${status.name}" transport`);
if (status.detail?.degraded)
  console.log('  (no Redis or PostgreSQL reachable: using the in-process transport)');
console.log('');

const aliceChat = createClient(alice);
const bobChat = createClient(bob);
const rejections: Rejection[] = [];
bob.on('rejected', (r) => {
  rejections.push(r);
  line('bob', `✗ rejected a message on ${r.channel}: ${r.reason} — ${r.detail}`);
});

await bobChat.room.message.subscribe({ roomId: 'lobby' }, (message, meta) => {
  line(
    'bob',
    `← ${meta.node}: "${message.text}"   (verified with key ${meta.kid}, schema v${meta.version})`,
  );
});
await aliceChat.room.typing.subscribe({ roomId: 'lobby' }, (typing, meta) => {
  line('alice', `← ${meta.node} is ${typing.typing ? 'typing…' : 'done typing'}`);
});

// An eavesdropper with access to the same Redis/PostgreSQL/hub: it can read and write bytes.
const wire: string[] = [];
const mallory = resolveTransport('auto', transportOptions);
const sniffer: TransportSink = {
  message: (_channel, data) => void wire.push(String(data)),
  event: () => undefined,
};
await mallory.connect(sniffer);
await mallory.subscribe('room:lobby');

console.log('1. Typed, signed, validated messages');
await aliceChat.room.message.publish(
  { roomId: 'lobby' },
  { id: randomUUID(), userId: 'u_alice', text: 'hello bob', sentAt: now() },
);
await bobChat.room.typing.publish({ roomId: 'lobby' }, { userId: 'u_bob', typing: true });
await wait();

console.log('\n2. Refused at publish: an invalid payload never leaves the process');
try {
  await aliceChat.room.message.publish(
    { roomId: 'lobby' },
    { id: randomUUID(), userId: 'u_alice', text: '', sentAt: now() },
  );
} catch (error) {
  if (!isHeraldError(error)) throw error;
  line(
    'alice',
    `✗ ${error.code} on ${error.topic} field ${error.field}: ${error.message.split('\n')[0]}`,
  );
}

console.log('\n3. Rejected on receipt: what an attacker on the wire can try');
const captured = wire[0];
if (captured === undefined) throw new Error('the eavesdropper saw nothing on room:lobby');
line('mallory', 'replays the captured message byte for byte');
await mallory.publish('room:lobby', captured);
await wait();
line('mallory', 'changes one digit of the signed message (its publish time)');
// herald/2 (docs/wire-format.md): `head [[seq,time,...]] signature`; the time starts after seq.
const at = captured.indexOf(',', captured.indexOf(' [[')) + 3;
const flipped = `${captured.slice(0, at)}${captured[at] === '1' ? '2' : '1'}${captured.slice(at + 1)}`;
await mallory.publish('room:lobby', flipped);
await wait();
line('mallory', 'signs her own message with a key bob does not know');
const forger = createBus({
  registry,
  keys: { keys: [{ kid: 'mallory', secret: randomBytes(32) }] },
  nodeId: 'mallory',
  transportOptions,
  log: false,
});
await forger.start();
await forger.broadcast('room:lobby', 'message', {
  id: randomUUID(),
  userId: 'u_mallory',
  text: 'send me your password',
  sentAt: now(),
});
await wait();

console.log('\n4. Rejected on receipt: a node running an outdated schema');
const outdated = defineTopics({
  room: topic('room:{roomId}', {
    events: { message: event(Type.Object({ userId: Type.String(), text: Type.String() })) },
  }),
});
const legacy = createBus({
  registry: outdated,
  keys,
  nodeId: 'legacy',
  transportOptions,
  log: false,
});
await legacy.start();
await legacy.broadcast('room:lobby', 'message', {
  userId: 'u_legacy',
  text: 'no id, no timestamp',
});
await wait();

const stats = bob.stats();
const reasons = Object.entries(stats.rejected)
  .filter(([, n]) => n > 0)
  .map(([reason, n]) => `${reason} ${n}`)
  .join(', ');
console.log(
  `\nSummary: bob accepted ${stats.received}, rejected ${stats.rejectedTotal} (${reasons}); no handler saw a rejected message.`,
);

await Promise.all([alice.stop(), bob.stop(), forger.stop(), legacy.stop(), mallory.close()]);
if (stats.received !== 1 || stats.rejectedTotal !== 4) {
  console.error('demo: unexpected outcome');
  process.exitCode = 1;
}
