/**
 * Conformance cases of template subscriptions (docs/templates.md): `subscribe('<template>')`
 * receives every concrete topic of a `wildcard` topic, from other nodes and its own, with its
 * params; a template and a concrete subscription on one bus each get a message once; a node with
 * only a concrete subscription receives no other topic of the template; the server side is
 * removed with the last template subscription. Runs on every transport, on real servers.
 *
 * The template `herald-test-feed:{run}:{item}` is shared by every run on one server, so each
 * collector filters on its own run (`params.run`).
 */
import { expect } from 'vitest';
import type { Message } from '../bus/types.js';
import type { Bus } from '../create-bus.js';
import { collect } from './collect.js';
import { type ConformanceCase, registerCases } from './conformance-case.js';
import type { Harness } from './conformance-harness.js';
import { type TestTopics, testRegistry } from './registry.js';

const TEMPLATE = 'herald-test-feed:{run}:{item}';
const posted = (n: number, from = 'a') => ({ n, from, text: `note ${n}` });
/** The `n` of every `posted` message, in arrival order. */
const numbers = (messages: readonly Message[]): number[] =>
  messages.filter((m) => m.event === 'posted').map((m) => (m.payload as { n: number }).n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The concrete feed topic of this run. */
const feed = (h: Harness, item: string) => testRegistry.topic('feed', { run: h.run, item });
/** A collector of this run's messages through the template. */
const byTemplate = (h: Harness, bus: Bus<TestTopics>) =>
  collect(bus, TEMPLATE, { filter: (m) => m.params.run === h.run });

/** The template cases, in the order they run. */
const TEMPLATE_CASES: readonly ConformanceCase[] = [
  {
    name: 'a template subscription receives every topic of its template, local and remote, with its params',
    run: templateReceivesEveryTopic,
  },
  {
    name: 'a template and a concrete subscription on one bus each get a message once; a concrete-only node gets no other topic',
    run: templateAndConcreteOnce,
  },
  {
    name: 'keeps each publisher’s order per topic under a template subscription, in batches too',
    run: templateKeepsOrder,
  },
];

/** Registers the template cases; `harness()` gives the current test's harness. */
export function templateCases(harness: () => Harness, timeout: number): void {
  registerCases(TEMPLATE_CASES, harness, timeout);
}

async function templateReceivesEveryTopic(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const before = b!.transport().channels;
  const inbox = await byTemplate(h, b!);
  expect(b!.transport().channels).toBe(before + 1);
  expect(b!.subscriberCount(TEMPLATE)).toBe(1);
  await a!.broadcast(feed(h, 'x'), 'posted', posted(1));
  await a!.broadcast(feed(h, 'y'), 'posted', posted(2));
  await b!.broadcast(feed(h, 'z'), 'posted', posted(3, 'b'));
  // A fence proves arrival on its own topic only (a cluster carries topics on several sockets).
  await h.fence(a!, feed(h, 'x'), [inbox]);
  await h.fence(a!, feed(h, 'y'), [inbox]);
  const got = inbox.messages.filter((m) => m.event === 'posted');
  // Local and remote messages do not share one order: compare by topic.
  const seen = got.map((m) => [m.topic, m.params.item, m.meta.local]);
  expect(seen.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
    [feed(h, 'x'), 'x', false],
    [feed(h, 'y'), 'y', false],
    [feed(h, 'z'), 'z', true],
  ]);
  expect(b!.stats().rejectedTotal).toBe(0);

  await inbox.unsubscribe();
  expect(b!.transport().channels).toBe(before);
  const received = b!.stats().received;
  await a!.broadcast(feed(h, 'x'), 'posted', posted(4));
  await sleep(h.options.settleMs);
  expect(b!.stats().received).toBe(received);
}

async function templateAndConcreteOnce(h: Harness): Promise<void> {
  const [a, b, c] = await h.nodes(3);
  const all = await byTemplate(h, b!);
  const one = await collect(b!, feed(h, 'x'));
  const only = await collect(c!, feed(h, 'x'));
  const unrouted = c!.stats().unrouted;
  const receivedBefore = c!.stats().received;
  for (let n = 0; n < 5; n++) {
    await a!.broadcast(feed(h, n % 2 === 0 ? 'x' : `y${n}`), 'posted', posted(n));
  }
  // A fence proves arrival (and no duplicate) on its own topic only: fence every topic sent on.
  await h.fence(a!, feed(h, 'x'), [all, one, only]);
  await h.fence(a!, feed(h, 'y1'), [all]);
  await h.fence(a!, feed(h, 'y3'), [all]);
  // Each topic's messages once; order across topics is not part of the contract.
  expect(numbers(all.messages).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4]);
  expect(numbers(one.messages)).toEqual([0, 2, 4]);
  expect(numbers(only.messages)).toEqual([0, 2, 4]);
  // c heard nothing of y1, y3: the template subscription elsewhere cost it nothing.
  expect(c!.stats().unrouted).toBe(unrouted);
  expect(c!.stats().received - receivedBefore).toBe(4);
  expect(b!.stats().rejectedTotal).toBe(0);
  expect(c!.stats().rejectedTotal).toBe(0);
}

async function templateKeepsOrder(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const batches: number[][] = [];
  await b!.subscribeBatch(TEMPLATE, (messages) => void batches.push(numbers(messages)), {
    batch: { max: 10, maxWaitMs: 20 },
    events: ['posted'],
    filter: (m) => m.params.run === h.run,
  });
  const inbox = await byTemplate(h, b!);
  const count = 60;
  const sends = [];
  for (let n = 0; n < count; n++) {
    sends.push(a!.broadcast(feed(h, `t${n % 12}`), 'posted', posted(n)));
  }
  await Promise.all(sends);
  await h.fence(a!, feed(h, 't0'), [inbox]);
  const expected = Array.from({ length: count }, (_, n) => n);
  // Order holds per topic (micro-batching sends each topic's messages of a tick together).
  const perTopic = (list: readonly number[]) =>
    Array.from({ length: 12 }, (_, t) => list.filter((n) => n % 12 === t));
  expect(perTopic(numbers(inbox.messages))).toEqual(perTopic(expected));
  expect(numbers(inbox.messages).sort((x, y) => x - y)).toEqual(expected);
  await sleep(50);
  expect(perTopic(batches.flat())).toEqual(perTopic(expected));
  expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(10);
}
