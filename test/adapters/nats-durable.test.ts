/**
 * Durable topics on NATS JetStream (docs/transports/nats.md "Durable topics"), through the public
 * API on the machine's NATS: declared in the registry, stored on publish (an awaited PubAck), read
 * by named durable subscriptions and groups from their last acknowledged message, redelivered with
 * backoff then dead-lettered, and checked for freshness against the server's stored time, so a
 * legitimate replay is accepted and an attacker's re-publish is refused.
 */

import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { afterAll, afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { consumerName, streamName, streamSubject } from '../../src/adapters/nats/jetstream.js';
import {
  ConfigError,
  createBus,
  type DurableOptions,
  defineTopics,
  event,
  localTransport,
  RegistryError,
  topic,
} from '../../src/index.js';
import { keys } from '../fixtures/registry.js';
import { requireNats } from '../support/nats-server.js';
import {
  busFactory,
  deleteStreams,
  durableRegistry,
  newPrefix,
  rawJetStream,
  until,
} from './nats-durable.helpers.js';

const nats = await requireNats();
const prefixes: string[] = [];
const prefix = (): string => {
  const p = newPrefix();
  prefixes.push(p);
  return p;
};

describe('durable topics in the registry', () => {
  it('types durable as { maxAgeMs, maxBytes, maxMessages?, duplicateWindowMs? }', () => {
    expectTypeOf<DurableOptions>().toHaveProperty('maxAgeMs').toEqualTypeOf<number>();
    topic('t:a', {
      events: {},
      // @ts-expect-error maxBytes is required: a durable topic's retention is bounded
      durable: { maxAgeMs: 60_000 },
    });
  });

  it('refuses a retention shorter than a second, naming the topic and the field', () => {
    const error = (() => {
      try {
        defineTopics({
          t: topic('t:{id}', {
            events: { e: event(Type.Object({})) },
            durable: { maxAgeMs: 10, maxBytes: 1 << 20 },
          }),
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ topic: 't:{id}', field: 'durable.maxAgeMs' });
  });

  it('refuses a duplicate window longer than the retention', () => {
    expect(() =>
      defineTopics({
        t: topic('t:x', {
          events: { e: event(Type.Object({})) },
          durable: { maxAgeMs: 5_000, maxBytes: 1 << 20, duplicateWindowMs: 10_000 },
        }),
      }),
    ).toThrow(/durable.duplicateWindowMs/);
  });

  it('names streams and consumers as docs/transports/nats.md defines them', () => {
    const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 16);
    expect(streamName('herald', 'orders:{region}')).toBe(
      `herald_orders__region__${sha('herald\0orders:{region}')}`,
    );
    expect(streamName('my.app', 'a.b')).toBe(`my-app_a_b_${sha('my.app\0a.b')}`);
    expect(consumerName({ kind: 'group', name: 'r.x', channel: 'orders:eu' })).toBe(
      `g-r_x-${sha('group\0r.x\0orders:eu')}`,
    );
    expect(streamSubject('herald', 'orders:{region}')).toBe('herald.orders.*');
  });

  it('refuses durable topics at createBus on a transport that cannot store them, naming nats', () => {
    const error = (() => {
      try {
        createBus({ registry: durableRegistry, keys, transport: 'local', log: false });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', topic: 'orders:{region}' });
    expect((error as ConfigError).hint).toContain('nats');
  });
});

describe.skipIf(!nats.ok)('durable topics on nats (JetStream)', () => {
  const url = nats.ok ? nats.url : '';
  const f = busFactory(url);
  afterEach(() => f.stopAll());
  afterAll(async () => {
    const raw = await rawJetStream(url);
    await deleteStreams(raw.jsm, prefixes);
    await raw.nc.close();
  });

  it('creates one stream per durable template, idempotently, on the documented subject', async () => {
    const p = prefix();
    await f.bus('a', p);
    await f.bus('b', p); // a second start updates the same stream
    const raw = await rawJetStream(url);
    try {
      const info = await raw.jsm.streams.info(streamName(p, 'orders:{region}'));
      expect(info.config.subjects).toEqual([streamSubject(p, 'orders:{region}')]);
      expect(info.config.subjects).toEqual([`${p}.orders.*`]);
      expect(info.config.max_age).toBe(3_600_000 * 1_000_000);
      expect(info.config.max_bytes).toBe(1 << 24);
    } finally {
      await raw.nc.close();
    }
  });

  it('resumes a named durable subscription from its last acknowledged message, with no gap and no duplicate', async () => {
    const p = prefix();
    const pub = await f.bus('pub', p);
    for (let n = 0; n < 5; n++) await pub.broadcast('orders:eu', 'placed', { n });
    const first: number[] = [];
    const sub1 = await f.bus('sub1', p);
    const s = await sub1.subscribe('orders:eu', (m) => void first.push(m.payload.n), {
      durable: 'billing',
    });
    await until(() => first.length === 5, 'the stored messages');
    await s.unsubscribe();
    // Published while nobody reads: stored.
    for (let n = 5; n < 10; n++) await pub.broadcast('orders:eu', 'placed', { n });
    const second: number[] = [];
    const sub2 = await f.bus('sub2', p);
    await sub2.subscribe('orders:eu', (m) => void second.push(m.payload.n), { durable: 'billing' });
    for (let n = 10; n < 12; n++) await pub.broadcast('orders:eu', 'placed', { n });
    await until(() => second.length === 7, 'the messages after the last ack');
    await new Promise((r) => setTimeout(r, 200));
    expect(first).toEqual([0, 1, 2, 3, 4]);
    expect(second).toEqual([5, 6, 7, 8, 9, 10, 11]);
  });

  it('redelivers a failing handler with backoff, then reports a dead letter and moves on', async () => {
    const p = prefix();
    const bus = await f.bus('a', p);
    const calls: { n: number; at: number; deliveries: number | undefined }[] = [];
    const dead: unknown[] = [];
    bus.on('dead_letter', (d) => void dead.push(d));
    await bus.subscribe(
      'orders:us',
      (m) => {
        calls.push({ n: m.payload.n, at: Date.now(), deliveries: m.meta.deliveries });
        if (m.payload.n === 1) throw new Error('card declined');
      },
      { durable: 'charge', redelivery: { backoffMs: [100, 300], maxDeliver: 3 } },
    );
    await bus.broadcast('orders:us', 'placed', { n: 1 });
    await bus.broadcast('orders:us', 'placed', { n: 2 });
    await until(() => dead.length === 1 && calls.some((c) => c.n === 2), 'the dead letter');
    const ones = calls.filter((c) => c.n === 1);
    expect(ones).toHaveLength(3);
    // The handler sees how often the store handed the message over: above 1, an earlier delivery
    // may have run it (docs/bus.md, durable subscriptions).
    expect(ones.map((c) => c.deliveries)).toEqual([1, 2, 3]);
    expect(calls.filter((c) => c.n === 2).map((c) => c.deliveries)).toEqual([1]);
    expect(ones[1]!.at - ones[0]!.at).toBeGreaterThanOrEqual(90);
    expect(ones[2]!.at - ones[1]!.at).toBeGreaterThanOrEqual(280);
    expect(dead[0]).toMatchObject({
      topic: 'orders:us',
      event: 'placed',
      consumer: 'durable "charge"',
      deliveries: 3,
    });
    expect(String((dead[0] as { error: Error }).error.message)).toBe('card declined');
    expect(calls.filter((c) => c.n === 2)).toHaveLength(1);
    expect(bus.stats().handlerErrors).toBe(3);
  });

  it('hands each message of a durable topic to one member of a group across buses', async () => {
    const p = prefix();
    const [a, b] = [await f.bus('a', p), await f.bus('b', p)];
    const seen = new Map<number, string[]>();
    for (const [name, bus] of [
      ['a', a],
      ['b', b],
    ] as const) {
      await bus.subscribe(
        'orders:eu',
        (m) => void seen.set(m.payload.n, [...(seen.get(m.payload.n) ?? []), name]),
        { group: 'receipts' },
      );
    }
    for (let n = 0; n < 40; n++) await a.broadcast('orders:eu', 'placed', { n });
    await until(() => seen.size === 40, 'every message');
    await new Promise((r) => setTimeout(r, 200));
    expect([...seen.values()].every((who) => who.length === 1)).toBe(true);
  });

  it('accepts a replay older than maxPast (it was stored fresh) and refuses a re-published old message as expired', async () => {
    const p = prefix();
    const freshness = { maxPastMs: 1000, maxFutureMs: 500 };
    const pub = await f.bus('pub', p, { freshness });
    await pub.broadcast('orders:eu', 'placed', { n: 7 });
    await new Promise((r) => setTimeout(r, 1300)); // now older than maxPast
    const raw = await rawJetStream(url);
    try {
      const stored = await raw.jsm.streams.getMessage(streamName(p, 'orders:{region}'), { seq: 1 });
      // The attacker re-publishes the captured bytes under a new message id.
      const ack = await raw.js.publish(`${p}.orders.eu`, stored!.data, { msgID: 'attacker-1' });
      expect(ack.duplicate).toBe(false);
    } finally {
      await raw.nc.close();
    }
    const sub = await f.bus('sub', p, { freshness });
    const got: number[] = [];
    const rejected: string[] = [];
    sub.on('rejected', (r) => void rejected.push(r.reason));
    await sub.subscribe('orders:eu', (m) => void got.push(m.payload.n), { durable: 'audit' });
    await until(() => got.length + rejected.length === 2, 'both stored copies');
    expect(got).toEqual([7]);
    expect(rejected).toEqual(['expired']);
  });

  it('refuses a re-published duplicate id: the server drops it in its window, the bus refuses it as a replay', async () => {
    const p = prefix();
    const bus = await f.bus('a', p);
    const got: number[] = [];
    const rejected: string[] = [];
    bus.on('rejected', (r) => void rejected.push(r.reason));
    await bus.subscribe('orders:eu', (m) => void got.push(m.payload.n), { durable: 'audit' });
    const receipt = await bus.broadcast('orders:eu', 'placed', { n: 3 });
    await until(() => got.length === 1, 'the message');
    const raw = await rawJetStream(url);
    try {
      const stored = await raw.jsm.streams.getMessage(streamName(p, 'orders:{region}'), { seq: 1 });
      const same = await raw.js.publish(`${p}.orders.eu`, stored!.data, { msgID: receipt.id });
      expect(same.duplicate).toBe(true); // the server's duplicate window
      await raw.js.publish(`${p}.orders.eu`, stored!.data, { msgID: 'attacker-2' });
    } finally {
      await raw.nc.close();
    }
    await until(() => rejected.length === 1, 'the refusal');
    expect(rejected).toEqual(['replay']);
    expect(got).toEqual([3]);
  });

  it('opens a durable subscription made before start() once the bus starts', async () => {
    const p = prefix();
    const pub = await f.bus('pub', p);
    await pub.broadcast('orders:eu', 'placed', { n: 1 });
    const bus = createBus({
      registry: durableRegistry,
      keys,
      nodeId: 'late',
      log: false,
      transport: natsTransport({ url, prefix: p }),
    });
    const got: number[] = [];
    const pending = bus.subscribe('orders:eu', (m) => void got.push(m.payload.n), {
      durable: 'early',
    });
    await bus.start();
    await pending;
    try {
      await until(() => got.length === 1, 'the stored message');
      expect(got).toEqual([1]);
    } finally {
      await bus.stop();
    }
  });

  it('refuses durable topics at start() on a fallback chain whose transport cannot store them', async () => {
    const bus = createBus({
      registry: durableRegistry,
      keys,
      log: false,
      // A chain answers at start, once it knows which member runs.
      transport: [localTransport(), localTransport()],
    });
    const error = await bus.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ topic: 'orders:{region}' });
    expect((error as ConfigError).hint).toContain('nats');
  });

  it('refuses { durable } on a topic that is not durable, and durable with group', async () => {
    const bus = await f.bus('a', prefix());
    await expect(bus.subscribe('chat:1', () => undefined, { durable: 'x' })).rejects.toThrow(
      /"chat:\{room\}" is not a durable topic/,
    );
    await expect(
      bus.subscribe('orders:eu', () => undefined, { durable: 'x', group: 'y' }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('rejects a publish the server did not store', async () => {
    const p = prefix();
    const bus = await f.bus('a', p);
    const raw = await rawJetStream(url);
    try {
      await raw.jsm.streams.delete(streamName(p, 'orders:{region}'));
    } finally {
      await raw.nc.close();
    }
    await expect(bus.broadcast('orders:eu', 'placed', { n: 1 })).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
    });
  });
});
