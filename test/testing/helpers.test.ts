import { createHash } from 'node:crypto';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createBus, createLocalHub, localTransport } from '../../src/index.js';
import {
  collect,
  createTestBuses,
  newRunId,
  type TestBuses,
  type TestTopics,
  testKeys,
  testRegistry,
  waitForEvent,
} from '../../src/testing/index.js';

const sharedHub = createLocalHub();
const run = newRunId();
const topic = (name: string) => testRegistry.topic('note', { run, name });

describe('testKeys', () => {
  it('derives the same 32-byte key for the same kid, and another key for another kid', () => {
    const a = testKeys();
    const b = testKeys();
    const other = testKeys('other');
    expect(a).toEqual(b);
    expect(a.keys[0]!.kid).toBe('test');
    const secret = a.keys[0]!.secret as string;
    expect(secret.startsWith('base64url:')).toBe(true);
    expect(Buffer.from(secret.slice('base64url:'.length), 'base64url')).toHaveLength(32);
    expect(secret).toBe(
      `base64url:${createHash('sha256').update('herald test key (insecure): test').digest('base64url')}`,
    );
    expect(other.keys[0]!.secret).not.toBe(secret);
  });

  it('is accepted by createBus', () => {
    expect(() => createBus({ registry: testRegistry, keys: testKeys('k1') })).not.toThrow();
  });
});

describe('createTestBuses', () => {
  let buses: TestBuses<TestTopics> | undefined;
  afterEach(async () => {
    await buses?.stopAll();
    buses = undefined;
  });

  it('starts n connected buses on one fresh hub, isolated from other hubs', async () => {
    buses = await createTestBuses(3, { registry: testRegistry, nodePrefix: 'iso' });
    expect(buses.buses.map((b) => b.nodeId)).toEqual(['iso-0', 'iso-1', 'iso-2']);
    expect(buses.hub?.size).toBe(3);
    for (const bus of buses.buses) expect(bus.transport().state).toBe('connected');
    const other = await createTestBuses(1, { registry: testRegistry });
    try {
      expect(buses.hub?.size).toBe(3);
      expect(other.hub).not.toBe(buses.hub);
    } finally {
      await other.stopAll();
    }
  });

  it('makes one transport per bus with a transportFactory, and stopAll() closes them all', async () => {
    const indexes: number[] = [];
    buses = await createTestBuses(2, {
      registry: testRegistry,
      transportFactory: (index) => {
        indexes.push(index);
        return localTransport({ hub: sharedHub });
      },
    });
    expect(indexes).toEqual([0, 1]);
    expect(buses.hub).toBeUndefined();
    await buses.stopAll();
    for (const bus of buses.buses) expect(bus.transport().state).toBe('closed');
    await expect(buses.buses[0]!.broadcast(topic('x'), 'fence', { id: '1' })).rejects.toThrow(
      /stopped/,
    );
  });

  it('refuses a count that is not a positive integer', async () => {
    await expect(createTestBuses(0, { registry: testRegistry })).rejects.toThrow(RangeError);
  });
});

describe('collect', () => {
  let buses: TestBuses<TestTopics> | undefined;
  afterEach(async () => {
    await buses?.stopAll();
    buses = undefined;
  });

  it('records messages and payloads in order and resolves waitFor when enough arrived', async () => {
    buses = await createTestBuses(2, { registry: testRegistry });
    const [a, b] = buses.buses;
    const inbox = await collect(b!, topic('c1'));
    expectTypeOf(inbox.payloads[0]!).toEqualTypeOf<
      { n: number; from: string; text: string } | { id: string }
    >();
    await a!.broadcast(topic('c1'), 'posted', { n: 1, from: 'a', text: 'one' });
    await a!.broadcast(topic('c1'), 'fence', { id: 'f' });
    const messages = await inbox.waitFor(2);
    expect(messages.map((m) => m.event)).toEqual(['posted', 'fence']);
    expect(inbox.payloads).toEqual([{ n: 1, from: 'a', text: 'one' }, { id: 'f' }]);
    const fence = await inbox.waitUntil((m) => m.event === 'fence');
    expect(fence.payload).toEqual({ id: 'f' });
    inbox.clear();
    expect(inbox.messages).toEqual([]);
  });

  it('only records the events asked for', async () => {
    buses = await createTestBuses(1, { registry: testRegistry });
    const [a] = buses.buses;
    const inbox = await collect(a!, topic('c2'), { events: ['fence'] });
    await a!.broadcast(topic('c2'), 'posted', { n: 1, from: 'a', text: 'one' });
    await a!.broadcast(topic('c2'), 'fence', { id: 'f' });
    await inbox.waitFor(1);
    expect(inbox.messages.map((m) => m.event)).toEqual(['fence']);
  });

  it('rejects waitFor on timeout with a message naming the topic, the count and what arrived', async () => {
    buses = await createTestBuses(1, { registry: testRegistry });
    const [a] = buses.buses;
    const inbox = await collect(a!, topic('c3'));
    await a!.broadcast(topic('c3'), 'posted', { n: 1, from: 'a', text: 'one' });
    await expect(inbox.waitFor(3, 50)).rejects.toThrow(
      `collect("${topic('c3')}"): timed out after 50 ms waiting for 3 message(s); got 1 message(s) (events: posted)`,
    );
  });

  it('unsubscribe() removes the subscription and says so in a later timeout', async () => {
    buses = await createTestBuses(1, { registry: testRegistry });
    const [a] = buses.buses;
    const inbox = await collect(a!, topic('c4'));
    await inbox.unsubscribe();
    expect(a!.subscriberCount(topic('c4'))).toBe(0);
    expect(inbox.subscription.active).toBe(false);
    await expect(inbox.waitFor(1, 20)).rejects.toThrow(/no longer active/);
  });
});

describe('waitForEvent', () => {
  let buses: TestBuses<TestTopics> | undefined;
  afterEach(async () => {
    await buses?.stopAll();
    buses = undefined;
  });

  it('resolves with the first event that matches the predicate', async () => {
    buses = await createTestBuses(2, { registry: testRegistry });
    const [, b] = buses.buses;
    const intruder = await createTestBuses(1, {
      registry: testRegistry,
      keys: testKeys('intruder'),
      transportFactory: () => buses!.hub!.transport(),
    });
    try {
      await collect(b!, topic('w1'));
      const rejected = waitForEvent(b!, 'rejected', (r) => r.reason === 'unknown_key');
      await intruder.buses[0]!.broadcast(topic('w1'), 'fence', { id: 'x' });
      expect(await rejected).toMatchObject({ reason: 'unknown_key', channel: topic('w1') });
    } finally {
      await intruder.stopAll();
    }
  });

  it('rejects after the timeout, counting the events that did not match', async () => {
    const bus = createBus({
      registry: testRegistry,
      keys: testKeys(),
      transport: localTransport(),
    });
    const connected = waitForEvent(bus, 'connected', () => false, 100);
    await bus.start();
    await expect(connected).rejects.toThrow(
      'waitForEvent("connected"): no matching event within 100 ms (1 "connected" event(s) did not match)',
    );
    await bus.stop();
  });
});
