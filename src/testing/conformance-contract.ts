/**
 * Conformance cases about the transport contract itself: lifecycle and status, ordering per
 * publisher, large payloads intact, no server-side subscription left behind, a closed transport
 * that rejects instead of pretending, foreign signatures rejected and counted, and sane counters.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { nodeChannel } from '../bus/bus.js';
import type { BusEvents, Message } from '../bus/types.js';
import type { Bus } from '../create-bus.js';
import { isHeraldError } from '../errors.js';
import { collect, waitForEvent } from './collect.js';
import { type ConformanceCase, registerCases } from './conformance-case.js';
import type { Harness } from './conformance-harness.js';
import { testKeys } from './keys.js';
import { type TestTopics, testRegistry } from './registry.js';

const posted = (n: number, from: string) => ({ n, from, text: `note ${n}` });

/** Server-side channel count and names of one bus's transport. */
async function channelsOf(h: Harness, bus: Bus<TestTopics>) {
  const transport = h.transportOf(bus);
  const names = h.options.serverChannels ? await h.options.serverChannels(transport) : undefined;
  return { count: bus.transport().channels, names };
}

/** The contract cases, in the order they run. */
const CONTRACT_CASES: readonly ConformanceCase[] = [
  { name: 'reports its name and state through connect, use and close', run: reportsNameAndState },
  { name: 'keeps each publisher’s messages in order', run: keepsPublisherOrder },
  { name: 'carries a large payload intact and verified', run: carriesLargePayload },
  {
    name: 'leaves no server-side subscription behind after unsubscribing, even under churn',
    run: leavesNoServerSubscription,
  },
  {
    name: 'rejects a publish on a closed transport with a TransportError, never a silent success',
    run: rejectsPublishWhenClosed,
  },
  {
    name: 'rejects and counts messages signed with an unknown key or a wrong secret',
    run: rejectsForeignSignatures,
  },
  {
    name: 'keeps counters that add up and signals no gap on a healthy connection',
    run: keepsCountersWithoutGaps,
  },
];

/** Registers the contract cases; `harness()` gives the current test's harness. */
export function contractCases(harness: () => Harness, timeout: number): void {
  registerCases(CONTRACT_CASES, harness, timeout);
}

async function reportsNameAndState(h: Harness): Promise<void> {
  const transport = await h.options.createTransport();
  expect(transport.name).toMatch(/^[a-z][a-z0-9-]*$/);
  expect(['idle', 'closed']).toContain(transport.status().state);
  await transport.close();
  expect(transport.status().state).toBe('closed');
  await transport.close(); // idempotent

  const [a] = await h.nodes(1);
  const status = a!.transport();
  expect(status).toMatchObject({ name: h.transportOf(a!).name, state: 'connected' });
  expect(status.channels).toBeGreaterThanOrEqual(1); // the node's own direct channel
  expect(status.since).toBeLessThanOrEqual(Date.now());
  await a!.stop();
  expect(h.transportOf(a!).status()).toMatchObject({ state: 'closed', channels: 0 });
}

async function keepsPublisherOrder(h: Harness): Promise<void> {
  const [a, b, c] = await h.nodes(3);
  const t = h.topic('order');
  const count = h.options.orderedMessages;
  // A fast transport may hand over a whole burst at once: size the queue for it.
  const inbox = await collect(b!, t, { queue: { limit: 2 * count + 16 } });
  const publish = async (bus: Bus<TestTopics>) => {
    for (let n = 0; n < count; n++) await bus.broadcast(t, 'posted', posted(n, bus.nodeId));
  };
  await Promise.all([publish(a!), publish(c!)]);
  await inbox.waitFor(2 * count, Math.max(h.options.waitMs, count * 20));
  for (const publisher of [a!, c!]) {
    const mine = inbox.messages.filter((m) => m.meta.node === publisher.nodeId);
    expect(mine.map((m) => (m.payload as { n: number }).n)).toEqual(
      Array.from({ length: count }, (_, n) => n),
    );
    expect(mine.map((m) => m.meta.seq)).toEqual(Array.from({ length: count }, (_, n) => n + 1));
  }
  expect(b!.stats()).toMatchObject({ rejectedTotal: 0, overflowDrops: 0 });
}

async function carriesLargePayload(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const t = testRegistry.topic('blob', { run: h.run });
  const bytes = h.options.largePayloadBytes;
  const data = randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const inbox = await collect(b!, t);
  await a!.broadcast(t, 'chunk', { bytes, sha256, data });
  const wait = Math.max(h.options.waitMs, 20_000);
  // Fail fast, and say why, when the receiver refuses the message (a damaged or cut envelope).
  const refused = waitForEvent(b!, 'rejected', () => true, wait).then(
    (r) => Promise.reject(new Error(`the large message was rejected: ${r.reason}: ${r.detail}`)),
    () => new Promise<never>(() => undefined),
  );
  const [message] = await Promise.race([inbox.waitFor(1, wait), refused]);
  const payload = message!.payload;
  expect(payload.bytes).toBe(bytes);
  expect(payload.data.length).toBe(bytes);
  expect(createHash('sha256').update(payload.data).digest('hex')).toBe(sha256);
  expect(payload.sha256).toBe(sha256);
  expect(message!.meta).toMatchObject({ local: false, kid: 'test', node: a!.nodeId });
}

async function leavesNoServerSubscription(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const name = h.options.channelName;
  const t = h.topic('leak');
  const churn = h.topic('churn');
  const before = await channelsOf(h, b!);
  if (before.names) expect(before.names).toContain(name(nodeChannel(b!.nodeId)));

  const inbox = await collect(b!, t);
  const during = await channelsOf(h, b!);
  expect(during.count).toBe(before.count + 1);
  if (during.names) expect(during.names).toContain(name(t));

  await Promise.all(
    Array.from({ length: 20 }, async () => {
      const passing = await collect(b!, churn);
      await passing.unsubscribe();
    }),
  );
  await inbox.unsubscribe();
  const after = await channelsOf(h, b!);
  expect(after.count).toBe(before.count);
  if (after.names) {
    expect(after.names).not.toContain(name(t));
    expect(after.names).not.toContain(name(churn));
  }
  const unrouted = b!.stats().unrouted;
  await a!.broadcast(t, 'posted', posted(1, a!.nodeId));
  await a!.broadcast(churn, 'posted', posted(2, a!.nodeId));
  await new Promise((resolve) => setTimeout(resolve, h.options.settleMs));
  expect(b!.stats().unrouted).toBe(unrouted);
}

async function rejectsPublishWhenClosed(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const t = h.topic('closed');
  const inbox = await collect(b!, t);
  const transport = h.transportOf(a!);
  await transport.close();
  expect(transport.status().state).toBe('closed');
  const sent = a!.stats().sent;
  const error: unknown = await a!.broadcast(t, 'posted', posted(1, a!.nodeId)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'broadcast on a closed transport resolved').toBeDefined();
  expect(isHeraldError(error) && error.name === 'TransportError').toBe(true);
  expect((error as { code?: string }).code).toBe('PUBLISH_FAILED');
  expect(a!.stats().sent).toBe(sent);
  const direct: unknown = await transport.publish(t, 'x').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isHeraldError(direct) && direct.name === 'TransportError').toBe(true);
  await new Promise((resolve) => setTimeout(resolve, h.options.settleMs));
  expect(inbox.messages).toEqual([]);
}

async function rejectsForeignSignatures(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const [intruder] = await h.nodes(1, testKeys('intruder'));
  const forged = createHash('sha256').update('not the test key').digest('base64url');
  const [forger] = await h.nodes(1, { keys: [{ kid: 'test', secret: `base64url:${forged}` }] });
  const t = h.topic('reject');
  const inbox = await collect(b!, t);
  const rejected: BusEvents['rejected'][] = [];
  b!.on('rejected', (r) => rejected.push(r));

  const unknown = waitForEvent(b!, 'rejected', (r) => r.reason === 'unknown_key', h.options.waitMs);
  await intruder!.broadcast(t, 'posted', posted(1, intruder!.nodeId));
  expect(await unknown).toMatchObject({ reason: 'unknown_key', channel: t });
  const bad = waitForEvent(b!, 'rejected', (r) => r.reason === 'bad_signature', h.options.waitMs);
  await forger!.broadcast(t, 'posted', posted(2, forger!.nodeId));
  expect(await bad).toMatchObject({ reason: 'bad_signature', channel: t });

  await h.fence(a!, t, [inbox]);
  expect(inbox.messages.map((m: Message) => m.event)).toEqual(['fence']);
  const stats = b!.stats();
  expect(stats.rejected.unknown_key).toBe(1);
  expect(stats.rejected.bad_signature).toBe(1);
  expect(stats.rejectedTotal).toBe(2);
  expect(rejected).toHaveLength(2);
}

async function keepsCountersWithoutGaps(h: Harness): Promise<void> {
  const [a, b] = await h.nodes(2);
  const t = h.topic('stats');
  const troubles: string[] = [];
  for (const bus of [a!, b!]) {
    bus.on('gap', () => troubles.push('gap'));
    bus.on('disconnected', (d) => troubles.push(`disconnected: ${d.reason}`));
  }
  const inbox = await collect(b!, t);
  for (let n = 0; n < 5; n++) await a!.broadcast(t, 'posted', posted(n, a!.nodeId));
  await inbox.waitFor(5, h.options.waitMs);
  expect(a!.stats()).toMatchObject({ published: 5, sent: 5, rejectedTotal: 0, gaps: 0 });
  expect(b!.stats()).toMatchObject({
    received: 5,
    delivered: 5,
    rejectedTotal: 0,
    handlerErrors: 0,
    overflowDrops: 0,
    unrouted: 0,
    gaps: 0,
  });
  expect(inbox.gaps).toEqual([]);
  expect(troubles).toEqual([]);
  expect(b!.transport()).toMatchObject({ state: 'connected' });
  expect(b!.transport().channels).toBeGreaterThanOrEqual(2);
}
