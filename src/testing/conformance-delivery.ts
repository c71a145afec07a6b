/**
 * Conformance cases about who receives what: subscribe/unsubscribe, broadcast, broadcastFrom,
 * directBroadcast, localBroadcast, raw topics and many concurrent subscribers. Every case goes
 * through the public bus API, with each bus on its own transport instance.
 */
import { expect } from 'vitest';
import type { Message } from '../bus/types.js';
import { collect } from './collect.js';
import { type ConformanceCase, registerCases } from './conformance-case.js';
import type { Harness } from './conformance-harness.js';
import { testRegistry } from './registry.js';

const posted = (n: number, from = 'a') => ({ n, from, text: `note ${n}` });
/** The `n` of every `posted` message, in arrival order. */
const numbers = (messages: readonly Message[]): number[] =>
  messages.filter((m) => m.event === 'posted').map((m) => (m.payload as { n: number }).n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The delivery cases, in the order they run. */
const DELIVERY_CASES: readonly ConformanceCase[] = [
  {
    name: 'delivers to a subscription as soon as subscribe() resolves, and stops after unsubscribe()',
    run: deliversUntilUnsubscribed,
  },
  {
    name: 'broadcast reaches every subscription on every node, local ones included, exactly once',
    run: broadcastReachesEveryone,
  },
  {
    name: 'broadcastFrom skips only the sender subscriber, on its own bus',
    run: broadcastFromSkipsSender,
  },
  { name: 'directBroadcast reaches the target node only', run: directReachesTargetOnly },
  { name: 'localBroadcast never crosses the transport', run: localStaysLocal },
  {
    name: 'carries a raw topic payload unvalidated but signed and verified',
    run: carriesRawTopics,
  },
  {
    name: 'serves 50 subscriptions created concurrently across three nodes',
    run: servesManySubscriptions,
  },
];

/** Registers the delivery cases; `harness()` gives the current test's harness. */
export function deliveryCases(harness: () => Harness, timeout: number): void {
  registerCases(DELIVERY_CASES, harness, timeout);
}

async function deliversUntilUnsubscribed(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const t = h.topic('sub');
  const first = await collect(b!, t);
  const second = await collect(b!, t);
  await a!.broadcast(t, 'posted', posted(1));
  await first.waitFor(1, h.options.waitMs);
  await second.waitFor(1, h.options.waitMs);

  await first.unsubscribe();
  expect(b!.subscriberCount(t)).toBe(1);
  await a!.broadcast(t, 'posted', posted(2));
  await h.fence(a!, t, [second]);
  expect(numbers(first.messages)).toEqual([1]);
  expect(numbers(second.messages)).toEqual([1, 2]);

  await second.unsubscribe();
  expect(b!.subscriberCount(t)).toBe(0);
  expect(b!.topics()).not.toContain(t);
  const unrouted = b!.stats().unrouted;
  await a!.broadcast(t, 'posted', posted(3));
  await sleep(h.options.settleMs);
  // Nothing arrives for a topic with no subscription left: the server-side one is gone too.
  expect(b!.stats().unrouted).toBe(unrouted);
  expect(numbers(second.messages)).toEqual([1, 2]);

  const again = await collect(b!, t);
  await a!.broadcast(t, 'posted', posted(4));
  await h.fence(a!, t, [again]);
  expect(numbers(again.messages)).toEqual([4]);
}

async function broadcastReachesEveryone(h: Harness): Promise<void> {
  const [a, b, c] = await h.nodes(3);
  const t = h.topic('all');
  const all = [
    await collect(a!, t),
    await collect(b!, t),
    await collect(b!, t),
    await collect(c!, t),
  ];
  const receipts = [];
  for (let n = 0; n < 3; n++) receipts.push(await a!.broadcast(t, 'posted', posted(n)));
  await h.fence(a!, t, all);
  for (const inbox of all) expect(numbers(inbox.messages)).toEqual([0, 1, 2]);
  expect(receipts.map((r) => [r.sent, r.localDeliveries])).toEqual([
    [true, 1],
    [true, 1],
    [true, 1],
  ]);
  const [local, remote] = [all[0]!.messages[0]!, all[1]!.messages[0]!];
  expect(local.meta.local).toBe(true);
  expect(remote.meta).toMatchObject({ local: false, node: a!.nodeId, kid: 'test', seq: 1 });
  expect(remote.payload).toEqual(posted(0));
  expect(remote.meta.params).toEqual({ run: h.run, name: 'all' });
}

async function broadcastFromSkipsSender(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const t = h.topic('from');
  const sender = a!.subscriber('sender');
  const namesake = b!.subscriber('sender');
  const own = await collect(a!, t, { subscriber: sender });
  const neighbour = await collect(a!, t);
  const remote = await collect(b!, t);
  const remoteNamesake = await collect(b!, t, { subscriber: namesake });
  const receipt = await a!.broadcastFrom(sender, t, 'posted', posted(1));
  expect(receipt.localDeliveries).toBe(1);
  await h.fence(a!, t, [own, neighbour, remote, remoteNamesake]);
  expect(numbers(own.messages)).toEqual([]);
  expect(numbers(neighbour.messages)).toEqual([1]);
  expect(numbers(remote.messages)).toEqual([1]);
  // A subscriber of the same name on another bus is another subscriber.
  expect(numbers(remoteNamesake.messages)).toEqual([1]);
}

async function directReachesTargetOnly(h: Harness): Promise<void> {
  const [a, b, c] = await h.nodes(3);
  const t = h.topic('direct');
  const other = h.topic('direct-other');
  const [ia, ib, ic] = [await collect(a!, t), await collect(b!, t), await collect(c!, t)];
  const bOther = await collect(b!, other);
  const receipt = await a!.directBroadcast(b!.nodeId, t, 'posted', posted(1));
  expect(receipt).toMatchObject({ sent: true, localDeliveries: 0 });
  const got = await ib.waitUntil((m) => m.event === 'posted', h.options.waitMs);
  expect(got.meta).toMatchObject({ node: a!.nodeId, local: false });
  // To itself, a direct message stays on the bus.
  const self = await a!.directBroadcast(a!.nodeId, t, 'posted', posted(2));
  expect(self).toMatchObject({ sent: false, localDeliveries: 1 });
  await h.fence(a!, t, [ia, ib, ic]);
  await sleep(h.options.settleMs);
  expect(numbers(ia.messages)).toEqual([2]);
  expect(numbers(ib.messages)).toEqual([1]);
  expect(numbers(ic.messages)).toEqual([]);
  expect(numbers(bOther.messages)).toEqual([]);
  for (const bus of [a!, b!, c!]) expect(bus.stats().rejectedTotal).toBe(0);
}

async function localStaysLocal(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const t = h.topic('local');
  const [ia, ib] = [await collect(a!, t), await collect(b!, t)];
  const sent = a!.stats().sent;
  const receipt = await a!.localBroadcast(t, 'posted', posted(1));
  expect(receipt).toMatchObject({ sent: false, localDeliveries: 1 });
  expect(a!.stats().sent).toBe(sent);
  await h.fence(a!, t, [ia, ib]);
  expect(numbers(ia.messages)).toEqual([1]);
  expect(numbers(ib.messages)).toEqual([]);
  expect(b!.stats().received).toBe(1);
}

async function carriesRawTopics(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const t = testRegistry.topic('raw', { run: h.run, name: 'any' });
  const inbox = await collect(b!, t);
  const payload = { anything: [1, 'two', { three: null }], unicode: 'žluťoučký 🐴' };
  await a!.broadcastRaw(t, 'whatever_happened', payload);
  const [message] = await inbox.waitFor(1, h.options.waitMs);
  expect(message).toMatchObject({ topic: t, event: 'whatever_happened', payload });
  expect(message!.meta.kid).toBe('test');
}

async function servesManySubscriptions(h: Harness): Promise<void> {
  const nodes = await h.nodes(3);
  const topics = Array.from({ length: 10 }, (_, i) => h.topic(`many-${i}`));
  const inboxes = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => ({
      topic: topics[i % 10]!,
      inbox: await collect(nodes[i % 3]!, topics[i % 10]!),
    })),
  );
  const publisher = nodes[0]!;
  await Promise.all(
    topics.map((t, i) => publisher.broadcast(t, 'posted', posted(i, publisher.nodeId))),
  );
  await Promise.all(
    topics.map((t) =>
      h.fence(
        publisher,
        t,
        inboxes.filter((x) => x.topic === t).map((x) => x.inbox),
      ),
    ),
  );
  for (const { topic, inbox } of inboxes) {
    expect(numbers(inbox.messages)).toEqual([topics.indexOf(topic)]);
  }
}
