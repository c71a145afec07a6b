/**
 * A chat room on two nodes (`eu` and `us`): presence with one meta per connection, typing
 * indicators that are throttled for the reader and never echoed to the typist (broadcastFrom),
 * and a presence listing enriched with display names (the `fetch` hook). Messages go through the
 * generated, typed client (`generated/client.ts`): no topic string is written by hand.
 *
 * Run: `npx tsx examples/chat-room/main.ts`. The transport is 'auto': Redis if it answers on
 * 127.0.0.1:6379, else PostgreSQL, else in-process, so it runs on a machine with no servers.
 */
import { randomBytes } from 'node:crypto';
import { createBus, type PresenceDiff, type PresenceFetch } from '../../src/index.js';
import { createClient, validators } from './generated/client.js';
import { registry } from './registry.js';

type Meta = { device: 'web' | 'phone' };
const keys = { keys: [{ kid: 'chat-room', secret: randomBytes(32) }] };
// Short periods so the demo is quick; the defaults are 1.5 s / 30 s / 20 min.
const presence = { heartbeatMs: 200, downAfterMs: 2000, permdownAfterMs: 60_000 };
const transportOptions = { connectTimeoutMs: 500 };
const roomId = `demo-${randomBytes(3).toString('hex')}`;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (who: string, text: string) => console.log(`  ${who.padEnd(10)} ${text}`);

// Display names live in "the database": one lookup for all keys of a listing (Phoenix's fetch/2).
const users: Record<string, string> = { alice: 'Alice Liddell', bob: 'Bob Dylan' };
const withNames: PresenceFetch<Meta, { name: string }> = async (_topic, entries) =>
  Object.fromEntries(
    Object.entries(entries).map(([id, entry]) => [id, { ...entry, name: users[id] ?? id }]),
  );
const describeDiff = ({ joins, leaves }: PresenceDiff<Meta, { name: string }>) =>
  [
    ...Object.values(joins).map(
      (e) => `+${e.name} (${e.metas.map((m) => m.meta.device).join(', ')})`,
    ),
    ...Object.values(leaves).map(
      (e) => `-${e.name} (${e.metas.map((m) => m.meta.device).join(', ')})`,
    ),
  ].join('  ');

const eu = createBus({ registry, keys, nodeId: 'eu', presence, transportOptions, validators });
const us = createBus({ registry, keys, nodeId: 'us', presence, transportOptions, validators });
await Promise.all([eu.start(), us.start()]);
// The typed clients: the room is a parameter, and the client builds the topic string from it.
const euChat = createClient(eu);
const usChat = createClient(us);
// Presence has no generated functions: it takes the concrete topic, `room:demo-…`.
const room = euChat.room.topic({ roomId });
console.log(`\nChat room ${room} on two nodes, over the "${eu.transport().name}" transport\n`);

// Each connection is a Subscriber: what it subscribes can be excluded from its own broadcasts.
const aliceWeb = eu.subscriber('socket-alice-web');
const alicePhone = eu.subscriber('socket-alice-phone');
const bobWeb = us.subscriber('socket-bob-web');

// Alice's two connections both show who is typing; count what each receives of her own typing.
const ownTyping = { web: 0, phone: 0 };
for (const [device, socket] of [
  ['web', aliceWeb],
  ['phone', alicePhone],
] as const) {
  await euChat.room.typing.subscribe(
    { roomId },
    (typing) => void (typing.userId === 'alice' && ownTyping[device]++),
    { subscriber: socket },
  );
}
// Bob's screen redraws the indicator at most every 300 ms: keystrokes in between are coalesced.
const bobTyping = await usChat.room.typing.subscribe(
  { roomId },
  (typing) =>
    say('bob sees', `${users[typing.userId]} ${typing.typing ? 'is typing…' : 'stopped typing'}`),
  { subscriber: bobWeb, throttle: { ms: 300 } },
);
await usChat.room.message.subscribe(
  { roomId },
  (message) => say('bob sees', `${users[message.userId]}: ${message.text}`),
  { subscriber: bobWeb },
);
await eu.presence.subscribe(
  room,
  (e) => {
    if (e.event === 'presence_diff') say('eu diff', describeDiff(e.payload));
  },
  { fetch: withNames },
);

console.log('1. Presence: Alice in two tabs on eu, Bob on us');
await eu.presence.track(room, 'alice', { device: 'web' }, { owner: aliceWeb.id });
await eu.presence.track(room, 'alice', { device: 'phone' }, { owner: alicePhone.id });
await us.presence.track(room, 'bob', { device: 'web' }, { owner: bobWeb.id });
await wait(100);
const listing = await us.presence.list(room, { fetch: withNames });
for (const [id, entry] of Object.entries(listing)) {
  say(
    'us lists',
    `${entry.name} (${id}): ${entry.metas.map((m) => `${m.meta.device}@${m.node}`).join(', ')}`,
  );
}

console.log('\n2. Alice types: 10 keystrokes in one second, sent with broadcastFrom');
// publishFrom is the bus's broadcastFrom: the sender's own typing tab (aliceWeb) skips it.
for (let i = 0; i < 10; i++) {
  await euChat.room.typing.publishFrom(aliceWeb, { roomId }, { userId: 'alice', typing: true });
  await wait(100);
}
await euChat.room.typing.publishFrom(aliceWeb, { roomId }, { userId: 'alice', typing: false });
await wait(400);
await euChat.room.message.publishFrom(aliceWeb, { roomId }, { userId: 'alice', text: 'hello Bob' });
await wait(100);
const counts = bobTyping.counts;
say(
  '',
  `bob's indicator: ${counts.received} typing events, ${counts.calls} redraws, ${counts.coalesced} coalesced`,
);
say(
  '',
  `alice's web tab (the sender) saw ${ownTyping.web} of them; her phone saw ${ownTyping.phone}`,
);

console.log('\n3. Alice closes her phone; then the us node shuts down');
await eu.presence.untrackOwner(alicePhone.id);
await wait(100);
await us.stop();
await wait(100);
const left = await eu.presence.list(room, { fetch: withNames });
say(
  'eu lists',
  Object.values(left)
    .map((e) => `${e.name} (${e.metas.length} connection)`)
    .join(', '),
);
await eu.stop();
console.log('');
