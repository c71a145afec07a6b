/**
 * Mixed versions on one in-process hub: buses declaring different histories of the same events,
 * with and without a shared schema store. Each bus must receive only payloads valid for its own
 * latest version — upgraded where it declares upcasters, read as-is where the rules allow it —
 * and refuse, count and never deliver the rest.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalHub } from '../../src/adapters/local.js';
import {
  type Bus,
  createBus,
  defineTopics,
  event,
  type Message,
  memorySchemaStore,
  type Registry,
  type Rejection,
  SchemaRegistrationError,
  type SchemaStore,
  type TopicDefs,
  TransportError,
  topic,
} from '../../src/index.js';
import { createCodec, createKeyRing } from '../../src/internal.js';
import { testKeys } from '../../src/testing/index.js';
import { ordersV1, ordersV2, ordersV3, StatusV1, StatusV2, StatusV3 } from './orders.js';

const running: Bus[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

interface Node<D extends TopicDefs> {
  readonly bus: Bus<D>;
  readonly got: Message[];
  readonly rejected: Rejection[];
}

async function node<D extends TopicDefs>(
  hub: ReturnType<typeof createLocalHub>,
  registry: Registry<D>,
  id: string,
  store?: SchemaStore,
): Promise<Node<D>> {
  const bus = createBus({
    registry,
    keys: testKeys(),
    nodeId: id,
    transport: hub.transport(),
    instrumentation: false,
    ...(store === undefined ? {} : { schemas: { store } }),
  });
  running.push(bus as unknown as Bus);
  const got: Message[] = [];
  const rejected: Rejection[] = [];
  bus.on('rejected', (r) => rejected.push(r));
  await bus.start();
  await (bus as unknown as Bus).subscribe('order:42', (m) => void got.push(m));
  return { bus, got, rejected };
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const placed = { orderId: '42', status: 'placed' as const, note: 'leave at the door' };

describe('a consumer on version 2 and a producer on version 1', () => {
  it('upgrades version 1 payloads with the declared upcaster', async () => {
    const hub = createLocalHub();
    const v2 = await node(hub, ordersV2, 'consumer-v2');
    const v1 = await node(hub, ordersV1, 'producer-v1');
    await v1.bus.broadcast('order:42', 'status_updated', placed);
    await v1.bus.broadcast('order:42', 'packed', { orderId: '42', boxes: 2 });
    await until(() => v2.got.length === 2, 'two upgraded messages');
    const [status, packed] = v2.got;
    expect(status?.payload).toEqual({ ...placed, carrier: 'unknown' });
    expect(status?.meta).toMatchObject({ version: 2, writerVersion: 1 });
    expect(Value.Check(StatusV2, status?.payload)).toBe(true);
    expect(packed?.payload).toEqual({ orderId: '42', boxes: 2, weightKg: 0 });
    expect(v2.rejected).toEqual([]);
  });

  // The consumer's own history, with an upcaster that records every call.
  const spied = () => {
    const calls: unknown[] = [];
    const registry = defineTopics({
      order: topic('order:{orderId}', {
        events: {
          status_updated: event(StatusV1).evolve(StatusV2, {
            upcast: (v1) => {
              calls.push(v1);
              return { ...v1, carrier: 'unknown' };
            },
          }),
        },
      }),
    });
    return { registry, calls };
  };
  // `orderId: ''` breaks StatusV1 (minLength 1); it would make a valid version 2 once upgraded.
  const invalidV1 = { orderId: '', status: 'placed' as const };
  const refusal = {
    reason: 'invalid_payload',
    event: 'status_updated',
    topic: 'order:42',
    field: '/orderId',
    detail: expect.stringMatching(/^payload does not match order\.status_updated@1: \/orderId /),
  };

  it('refuses a correctly signed version 1 payload that does not match version 1, before any upcaster runs', async () => {
    const hub = createLocalHub();
    const { registry, calls } = spied();
    const v2 = await node(hub, registry, 'consumer-v2');
    // A version 1 producer whose own check is bypassed: the wire carries what it carries.
    const codec = createCodec(createKeyRing(testKeys()), 'rogue-v1');
    const wire = hub.transport();
    await wire.connect({ message: () => {}, event: () => {} });
    const send = (seq: number, data: unknown) =>
      wire.publish(
        'order:42',
        codec.encode({
          epoch: 'e1',
          seq,
          time: Date.now(),
          topic: 'order:42',
          event: 'status_updated',
          version: 1,
          data,
        }),
      );
    await send(1, invalidV1);
    await send(2, placed);
    await until(() => v2.got.length + v2.rejected.length === 2, 'both outcomes');
    await wire.close();
    expect(v2.rejected).toEqual([expect.objectContaining({ ...refusal, node: 'rogue-v1' })]);
    expect(v2.bus.stats().rejected.invalid_payload).toBe(1);
    expect(v2.bus.stats().rejectedTotal).toBe(1);
    // The upcaster ran for the valid message only: the invalid one never reached it.
    expect(calls).toEqual([placed]);
    expect(v2.got.map((m) => [m.payload, m.meta.writerVersion])).toEqual([
      [{ ...placed, carrier: 'unknown' }, 1],
    ]);
  });

  it('names the first invalid field of a refused payload, and how many more there are', async () => {
    const hub = createLocalHub();
    const v1 = await node(hub, ordersV1, 'consumer-v1');
    const codec = createCodec(createKeyRing(testKeys()), 'rogue-many');
    const wire = hub.transport();
    await wire.connect({ message: () => {}, event: () => {} });
    // Three faults: an empty orderId, a status outside its union, and a note that is no string.
    const data = { orderId: '', status: 'lost', note: 7 };
    await wire.publish(
      'order:42',
      codec.encode({
        epoch: 'e1',
        seq: 1,
        time: Date.now(),
        topic: 'order:42',
        event: 'status_updated',
        version: 1,
        data,
      }),
    );
    await until(() => v1.rejected.length === 1, 'the refusal');
    await wire.close();
    const [refused] = v1.rejected;
    expect(refused).toMatchObject({ reason: 'invalid_payload', field: '/orderId' });
    expect(refused?.detail).toMatch(
      /^payload does not match order\.status_updated@1: \/orderId .* \(and 2 more\)$/,
    );
    expect(v1.got).toEqual([]);
  });

  it('refuses version 1 payloads of a producer whose version 1 is laxer than its own', async () => {
    const hub = createLocalHub();
    const { registry, calls } = spied();
    const v2 = await node(hub, registry, 'consumer-v2');
    // The producer's declaration of version 1 drifted: it lets an empty orderId through.
    const laxV1 = Type.Object({ ...StatusV1.properties, orderId: Type.String() });
    const lax = await node(
      hub,
      defineTopics({
        order: topic('order:{orderId}', { events: { status_updated: event(laxV1) } }),
      }),
      'lax-v1',
    );
    await lax.bus.broadcast('order:42', 'status_updated', invalidV1);
    await until(() => v2.rejected.length === 1, 'the refusal');
    expect(v2.rejected).toEqual([expect.objectContaining({ ...refusal, node: 'lax-v1' })]);
    expect(v2.bus.stats().rejected.invalid_payload).toBe(1);
    expect(calls).toEqual([]);
    expect(v2.got).toEqual([]);
  });

  it('refuses a version it does not declare, without a store, and counts it', async () => {
    const hub = createLocalHub();
    const v2 = await node(hub, ordersV2, 'consumer-v2');
    const v1 = await node(hub, ordersV1, 'producer-v1');
    await v1.bus.broadcast('order:42', 'refunded', { orderId: '42', amount: 9.5 });
    await until(() => v2.rejected.length === 1, 'the refusal');
    expect(v2.rejected[0]).toMatchObject({ reason: 'unsupported_version', event: 'refunded' });
    expect(v2.rejected[0]?.detail).toBe(
      'order.refunded@1 is older than the versions this node declares (up to 2), and no schema store is configured to look it up',
    );
    expect(v2.bus.stats().rejected.unsupported_version).toBe(1);
    expect(v2.got).toEqual([]);
  });
});

describe('a consumer on version 1 and a producer on version 2', () => {
  it('refuses every newer version when it has no schema store to look them up', async () => {
    const hub = createLocalHub();
    const v1 = await node(hub, ordersV1, 'consumer-v1');
    const v2 = await node(hub, ordersV2, 'producer-v2');
    await v2.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    await until(() => v1.rejected.length === 1, 'the refusal');
    expect(v1.rejected[0]?.detail).toContain('order.status_updated@2 is newer than the versions');
    expect(v1.got).toEqual([]);
  });

  it('reads a forward-compatible newer version as its own, once the store says what it is', async () => {
    const hub = createLocalHub();
    const store = memorySchemaStore();
    const v1 = await node(hub, ordersV1, 'consumer-v1', store);
    const v2 = await node(hub, ordersV2, 'producer-v2', store);
    await v2.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    await v2.bus.broadcast('order:42', 'packed', { orderId: '42', boxes: 1, weightKg: 3 });
    await v2.bus.broadcast('order:42', 'status_updated', {
      ...placed,
      status: 'shipped',
      carrier: 'UPS',
    });
    await until(() => v1.got.length + v1.rejected.length === 3, 'three outcomes');
    expect(v1.got.map((m) => [m.event, (m.payload as { status: string }).status])).toEqual([
      ['status_updated', 'placed'],
      ['status_updated', 'shipped'],
    ]);
    for (const m of v1.got) {
      expect(Value.Check(StatusV1, m.payload)).toBe(true);
      expect(m.meta).toMatchObject({ version: 1, writerVersion: 2 });
    }
    // packed@2 adds a field to a closed object: version 1 readers refuse the whole version.
    expect(v1.rejected).toHaveLength(1);
    expect(v1.rejected[0]).toMatchObject({ reason: 'unsupported_version', event: 'packed' });
    expect(v1.rejected[0]?.detail).toBe(
      'order.packed@2 (from the memory schema store) cannot be read as version 1: /weightKg writer sends "weightKg"; the reader\'s closed object refuses it (additionalProperties: false)',
    );
    expect(v1.bus.stats().rejectedTotal).toBe(1);
  });

  it("keeps a publisher's order while a version is looked up", async () => {
    const hub = createLocalHub();
    const inner = memorySchemaStore();
    const gates: (() => void)[] = [];
    const slow: SchemaStore = {
      ...inner,
      get: (subject, version) =>
        new Promise((resolve) => gates.push(() => resolve(inner.get(subject, version)))),
    };
    const v1 = await node(hub, ordersV1, 'consumer-v1', slow);
    const v2 = await node(hub, ordersV2, 'producer-v2', inner);
    const v1producer = await node(hub, ordersV1, 'other-v1');
    for (const status of ['placed', 'shipped', 'delivered'] as const) {
      await v2.bus.broadcast('order:42', 'status_updated', { ...placed, status, carrier: 'DHL' });
    }
    await v1producer.bus.broadcast('order:42', 'status_updated', placed);
    // The other publisher does not wait for this one's look-up.
    await until(() => v1.got.length === 1, "the other publisher's message");
    expect(v1.got[0]?.meta.node).toBe('other-v1');
    await until(() => gates.length === 1, 'one look-up for three messages');
    gates[0]!();
    await until(() => v1.got.length === 4, 'the held messages');
    expect(v1.got.slice(1).map((m) => (m.payload as { status: string }).status)).toEqual([
      'placed',
      'shipped',
      'delivered',
    ]);
  });

  it('refuses messages while the store fails, and asks again later', async () => {
    const hub = createLocalHub();
    const inner = memorySchemaStore();
    let failing = true;
    const flaky: SchemaStore = {
      ...inner,
      get: (subject, version) =>
        failing ? Promise.reject(new Error('connection reset')) : inner.get(subject, version),
    };
    const v1 = await node(hub, ordersV1, 'consumer-v1', flaky);
    const v2 = await node(hub, ordersV2, 'producer-v2', inner);
    await v2.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    await until(() => v1.rejected.length === 1, 'the refusal');
    expect(v1.rejected[0]?.detail).toBe(
      'order.status_updated@2 could not be looked up in the memory schema store: connection reset',
    );
    failing = false;
    await new Promise((r) => setTimeout(r, 1100));
    await v2.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    await until(() => v1.got.length === 1, 'the message after recovery');
  });
});

describe('a history that drops and regains fields', () => {
  it('reads versions 1 and 2 on a version 3 consumer, through the upcaster and an identity step', async () => {
    const hub = createLocalHub();
    const v3 = await node(hub, ordersV3, 'consumer-v3');
    const v1 = await node(hub, ordersV1, 'producer-v1');
    const v2 = await node(hub, ordersV2, 'producer-v2');
    await v1.bus.broadcast('order:42', 'status_updated', placed);
    await v2.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    await until(() => v3.got.length === 2, 'both messages');
    for (const m of v3.got) expect(Value.Check(StatusV3, m.payload)).toBe(true);
    expect(v3.got.map((m) => m.meta.writerVersion)).toEqual([1, 2]);
  });

  it('refuses a whole version whose identity step cannot be read, not just its invalid messages', async () => {
    const A = Type.Object({ id: Type.String(), ref: Type.Optional(Type.Integer()) });
    const B = Type.Object({ id: Type.String() });
    const C = Type.Object({ id: Type.String(), ref: Type.Optional(Type.String()) });
    const make = (e: ReturnType<typeof event<typeof A>>) =>
      defineTopics({ order: topic('order:{orderId}', { events: { noted: e } }) });
    const hub = createLocalHub();
    const reader = await node(
      hub,
      make(event(A, { compatibility: 'NONE' }).evolve(B).evolve(C) as never),
      'reader',
    );
    const writer = await node(hub, make(event(A)), 'writer');
    // Valid for C too, but version 1 as a whole is not readable as version 3.
    await writer.bus.broadcast('order:42', 'noted', { id: 'x' });
    await until(() => reader.rejected.length === 1, 'the refusal');
    expect(reader.rejected[0]?.detail).toBe(
      'order.noted@1 cannot be read as version 3: /ref writer sends integer; the reader accepts only string',
    );
    expect(reader.got).toEqual([]);
  });
});

describe('an upcaster that misbehaves', () => {
  const V1 = Type.Object({ n: Type.Integer() });
  const V2 = Type.Object({ n: Type.Integer(), half: Type.Integer() });
  const make = (upcast: (v1: { n: number }) => { n: number; half: number }) =>
    defineTopics({
      order: topic('order:{orderId}', { events: { counted: event(V1).evolve(V2, { upcast }) } }),
    });
  const old = defineTopics({ order: topic('order:{orderId}', { events: { counted: event(V1) } }) });

  it.each([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
      'the upcaster of order.counted from version 1 to 2 threw: boom',
    ],
    [
      'returns an invalid payload',
      (v1: { n: number }) => ({ n: v1.n, half: v1.n / 2 }),
      'the upgrade from version 1 does not match order.counted@2: /half Expected integer',
    ],
  ] as const)('is refused as invalid_payload when it %s', async (_, upcast, detail) => {
    const hub = createLocalHub();
    const reader = await node(hub, make(upcast as never), 'reader');
    const writer = await node(hub, old, 'writer');
    await writer.bus.broadcast('order:42', 'counted', { n: 3 });
    await until(() => reader.rejected.length === 1, 'the refusal');
    expect(reader.rejected[0]).toMatchObject({ reason: 'invalid_payload', detail });
    expect(reader.got).toEqual([]);
  });
});

describe('registering versions in a shared store', () => {
  it("registers a producer's history before its first publish, once", async () => {
    const hub = createLocalHub();
    const store = memorySchemaStore();
    const v2 = await node(hub, ordersV2, 'producer-v2', store);
    await v2.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    await v2.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    const stored = await store.versions('order:{orderId}/status_updated');
    expect(stored.map((r) => [r.version, r.upcast, r.compatibility, r.registeredBy])).toEqual([
      [1, false, 'BACKWARD_TRANSITIVE', 'producer-v2'],
      [2, true, 'BACKWARD_TRANSITIVE', 'producer-v2'],
    ]);
    expect(await store.subjects()).toEqual(['order:{orderId}/status_updated']);
  });

  it('refuses to publish a version that breaks the stored history, and stores nothing', async () => {
    const hub = createLocalHub();
    const store = memorySchemaStore();
    const first = await node(hub, ordersV1, 'first', store);
    await first.bus.broadcast('order:42', 'status_updated', placed);
    // Version 2 shortens `note` without an upcaster: TypeScript sees the same type, the store does not.
    const shorter = Type.Object({
      ...StatusV1.properties,
      note: Type.Optional(Type.String({ maxLength: 10 })),
    });
    const narrowing = defineTopics({
      order: topic('order:{orderId}', {
        events: { status_updated: event(StatusV1).evolve(shorter) },
      }),
    });
    const second = await node(hub, narrowing, 'second', store);
    const attempt = () =>
      second.bus.broadcast('order:42', 'status_updated', { ...placed, note: 'short' });
    const error = await attempt().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistrationError);
    expect(error).toMatchObject({ code: 'REGISTRY_INVALID', problem: 'incompatible', version: 2 });
    expect((error as Error).message).toContain(
      'version 2 cannot read version 1 (backward): /note reader allows at most 10 characters; writer allows 200',
    );
    await expect(attempt()).rejects.toBe(error);
    expect((await store.versions('order:{orderId}/status_updated')).map((r) => r.version)).toEqual([
      1,
    ]);
    // Only its own message: the refused publish reached no one.
    expect(first.got.map((m) => m.meta.node)).toEqual(['first']);
  });

  it.each([
    ['cannot list the stored versions', 'versions'],
    ['fails half-way through registering', 'insert'],
  ] as const)(
    'rejects the publish with PUBLISH_FAILED while the store %s, and retries on the next one',
    async (_, broken) => {
      const hub = createLocalHub();
      const inner = memorySchemaStore();
      let failing = true;
      const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
      const flaky: SchemaStore = {
        ...inner,
        versions: (subject) =>
          failing && broken === 'versions' ? down() : inner.versions(subject),
        // Version 1 goes in, version 2 does not: the retry must finish the job.
        insert: (record) =>
          failing && broken === 'insert' && record.version === 2 ? down() : inner.insert(record),
      };
      const consumer = await node(hub, ordersV2, 'consumer');
      const producer = await node(hub, ordersV2, 'producer-v2', flaky);
      const payload = { ...placed, carrier: 'DHL' };
      const error = await producer.bus
        .broadcast('order:42', 'status_updated', payload)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({
        code: 'PUBLISH_FAILED',
        topic: 'order:{orderId}',
        event: 'status_updated',
      });
      expect((error as Error).message).toContain(
        'could not register the versions of order.status_updated in the memory schema store: connect ECONNREFUSED',
      );
      // Not a refusal that stands: the same publish fails the same way while the store is down.
      await expect(
        producer.bus.broadcast('order:42', 'status_updated', payload),
      ).rejects.toMatchObject({
        code: 'PUBLISH_FAILED',
      });
      // What a failed registration stored before the store went away stays stored.
      expect(
        (await inner.versions('order:{orderId}/status_updated')).map((r) => r.version),
      ).toEqual(broken === 'insert' ? [1] : []);
      failing = false;
      await producer.bus.broadcast('order:42', 'status_updated', payload);
      const stored = await inner.versions('order:{orderId}/status_updated');
      expect(stored.map((r) => [r.version, r.registeredBy])).toEqual([
        [1, 'producer-v2'],
        [2, 'producer-v2'],
      ]);
      // Only the publish after recovery was sent, as the first of its sequence (no gap).
      await until(() => consumer.got.length === 1, 'the message after recovery');
      await new Promise((r) => setTimeout(r, 20));
      expect(consumer.got.map((m) => [m.meta.node, m.meta.seq])).toEqual([['producer-v2', 1]]);
      expect(consumer.rejected).toEqual([]);
    },
  );

  it('refuses a version number that is stored with another schema', async () => {
    const hub = createLocalHub();
    const store = memorySchemaStore();
    const first = await node(hub, ordersV2, 'first', store);
    await first.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 'DHL' });
    const other = Type.Object({ ...StatusV1.properties, carrier: Type.Integer() });
    const clash = defineTopics({
      order: topic('order:{orderId}', {
        events: {
          status_updated: event(StatusV1).evolve(other, {
            upcast: (v1) => ({ ...v1, carrier: 0 }),
          }),
        },
      }),
    });
    const second = await node(hub, clash, 'second', store);
    await expect(
      second.bus.broadcast('order:42', 'status_updated', { ...placed, carrier: 7 }),
    ).rejects.toMatchObject({
      problem: 'conflict',
      version: 2,
      subject: 'order:{orderId}/status_updated',
    });
  });
});
