/**
 * The tenant is signed (docs/wire-format.md §2 `ten`, docs/security.md#tenant-isolation).
 *
 * Tenants that share a key (or a key holder that serves several tenants) used to accept each
 * other's messages once they were copied into their namespace: the transport prefix is not part
 * of what is signed. A bus with `tenant` signs its tenant's tag into every header and refuses,
 * as `wrong_tenant`, a message signed for another tenant, for none, or (a bus without a tenant)
 * for one. Shown by replaying a captured message across namespaces on real Redis and real
 * PostgreSQL, and by injection on an in-process hub.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { channelName, postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import {
  type Bus,
  createBus,
  createLocalHub,
  type Message,
  type Rejection,
  type Transport,
  tenantPrefix,
} from '../../src/index.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { injectableTransport, KEY_1, registry } from './harness.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
const BASE = `hb${randomBytes(3).toString('hex')}`;

interface Node {
  readonly bus: Bus<typeof registry.defs>;
  readonly got: Message[];
  readonly rejections: Rejection[];
}

async function node(transport: Transport, nodeId: string, tenant?: string): Promise<Node> {
  const bus = createBus({
    registry,
    keys: { keys: [KEY_1] }, // one key shared by every tenant
    transport,
    nodeId,
    ...(tenant === undefined ? {} : { tenant }),
  });
  const n: Node = { bus, got: [], rejections: [] };
  bus.on('rejected', (r) => n.rejections.push(r));
  await bus.start();
  await bus.subscribe('room:1', (m) => void n.got.push(m));
  return n;
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the tenant tag, on an in-process hub', () => {
  it('refuses messages signed for another tenant, for none, or for one where the bus has none', async () => {
    const hub = createLocalHub();
    const senders = {
      acme: await node(hub.transport(), 'sender-acme', 'acme'),
      globex: await node(hub.transport(), 'sender-globex', 'globex'),
      none: await node(hub.transport(), 'sender-none'),
    };
    const probe = injectableTransport(createLocalHub().transport());
    const receiver = await node(probe, 'receiver', 'acme');
    const plainProbe = injectableTransport(createLocalHub().transport());
    const plain = await node(plainProbe, 'plain');
    // Capture what each sender puts on the wire (a second bus on the hub sees it).
    const wire = new Map<string, string>();
    const tap = injectableTransport(hub.transport());
    const tapBus = createBus({ registry, keys: { keys: [KEY_1] }, transport: tap, nodeId: 'tap' });
    await tapBus.start();
    await tapBus.subscribe('room:1', () => undefined);
    try {
      for (const [name, sender] of Object.entries(senders)) {
        await sender.bus.broadcast('room:1', 'message', { text: name });
        await until(() => tap.received.length > wire.size, `the ${name} message`);
        wire.set(name, tap.received.at(-1)!.data as string);
      }
      for (const name of ['acme', 'globex', 'none']) probe.inject('room:1', wire.get(name)!);
      for (const name of ['acme', 'globex', 'none']) plainProbe.inject('room:1', wire.get(name)!);
      await until(() => receiver.got.length + receiver.rejections.length === 3, 'the receiver');
      await until(() => plain.got.length + plain.rejections.length === 3, 'the plain receiver');
      expect(receiver.got.map((m) => m.payload)).toEqual([{ text: 'acme' }]);
      expect(receiver.rejections.map((r) => r.reason)).toEqual(['wrong_tenant', 'wrong_tenant']);
      expect(receiver.rejections[0]!.detail).toMatch(/not this bus's tenant/);
      expect(receiver.rejections[1]!.detail).toMatch(/signed for no tenant/);
      expect(plain.got.map((m) => m.payload)).toEqual([{ text: 'none' }]);
      expect(plain.rejections.map((r) => r.reason)).toEqual(['wrong_tenant', 'wrong_tenant']);
      expect(plain.bus.stats().rejected.wrong_tenant).toBe(2);
      // The tap (no tenant) refused the two tenants' messages as well.
      expect(tapBus.stats().rejected.wrong_tenant).toBe(2);
    } finally {
      await Promise.all(
        [...Object.values(senders), receiver, plain].map((n) => n.bus.stop()).concat(tapBus.stop()),
      );
    }
  });
});

describe('the tenant tag on batches, with no namespace at all', () => {
  it('keeps two tenants on one shared hub apart: each accepts only its own batches', async () => {
    const hub = createLocalHub();
    const sender = createBus({
      registry,
      keys: { keys: [KEY_1] },
      transport: hub.transport(),
      nodeId: 'sender',
      tenant: 'acme',
      batching: true,
    });
    await sender.start();
    const acme = await node(hub.transport(), 'acme-receiver', 'acme');
    const globex = await node(hub.transport(), 'globex-receiver', 'globex');
    try {
      await Promise.all(
        [1, 2, 3].map((i) => sender.broadcast('room:1', 'message', { text: `m${i}` })),
      );
      await until(() => acme.got.length === 3 && globex.rejections.length > 0, 'both receivers');
      expect(acme.got.map((m) => m.payload)).toEqual([
        { text: 'm1' },
        { text: 'm2' },
        { text: 'm3' },
      ]);
      expect(acme.rejections).toEqual([]);
      expect(globex.got).toEqual([]);
      // The first of the tick alone, then one batch envelope of the two others, refused whole at
      // the signature step.
      await until(() => globex.rejections.length === 2, 'both envelopes refused');
      expect(globex.rejections.map((r) => r.reason)).toEqual(['wrong_tenant', 'wrong_tenant']);
    } finally {
      await Promise.all([sender.stop(), acme.bus.stop(), globex.bus.stop()]);
    }
  });
});

describe.skipIf(!redis.ok)('a message replayed from one tenant into another, on Redis', () => {
  it('is refused as wrong_tenant although both tenants share the key', async () => {
    const url = redis.ok ? redis.url : '';
    const [a, b] = [`a-${randomBytes(2).toString('hex')}`, `b-${randomBytes(2).toString('hex')}`];
    const [prefixA, prefixB] = [tenantPrefix(a, 'redis', BASE), tenantPrefix(b, 'redis', BASE)];
    const sender = await node(redisTransport({ url, prefix: prefixA }), 'sender', a);
    const receiverA = await node(redisTransport({ url, prefix: prefixA }), 'receiver', a);
    const receiverB = await node(redisTransport({ url, prefix: prefixB }), 'receiver', b);
    const spy = new Redis(url);
    const raw = new Redis(url);
    spy.on('error', () => undefined);
    raw.on('error', () => undefined);
    try {
      const captured: string[] = [];
      spy.on('message', (_channel: string, data: string) => captured.push(data));
      await spy.subscribe(`${prefixA}room:1`);
      await sender.bus.broadcast('room:1', 'message', { text: 'for tenant a' });
      await until(() => captured.length === 1 && receiverA.got.length === 1, 'tenant a');
      // An attacker copies tenant a's message into tenant b's namespace.
      await raw.publish(`${prefixB}room:1`, captured[0]!);
      await until(() => receiverB.rejections.length === 1, 'the replay to be refused');
      expect(receiverB.got).toEqual([]);
      expect(receiverB.rejections[0]).toMatchObject({
        reason: 'wrong_tenant',
        channel: 'room:1',
        node: 'sender',
        kid: KEY_1.kid,
      });
      expect(receiverB.bus.stats().rejected.wrong_tenant).toBe(1);
      expect(receiverA.rejections).toEqual([]);
    } finally {
      spy.disconnect();
      raw.disconnect();
      await Promise.all([sender, receiverA, receiverB].map((n) => n.bus.stop()));
    }
  });
});

describe.skipIf(!postgres.ok)(
  'a message replayed from one tenant into another, on PostgreSQL',
  () => {
    it('is refused as wrong_tenant although both tenants share the key', async () => {
      const pool = new pg.Pool({ connectionString: postgres.ok ? postgres.url : '', max: 6 });
      pool.on('error', () => undefined);
      const [a, b] = [`a-${randomBytes(2).toString('hex')}`, `b-${randomBytes(2).toString('hex')}`];
      const [prefixA, prefixB] = [
        tenantPrefix(a, 'postgres', BASE),
        tenantPrefix(b, 'postgres', BASE),
      ];
      const sender = await node(postgresTransport({ pool, prefix: prefixA }), 'sender', a);
      const receiverB = await node(postgresTransport({ pool, prefix: prefixB }), 'receiver', b);
      const spy = await pool.connect();
      try {
        const captured: string[] = [];
        spy.on('notification', (n) => captured.push(n.payload ?? ''));
        await spy.query(`LISTEN "${channelName(prefixA, 'room:1')}"`);
        await sender.bus.broadcast('room:1', 'message', { text: 'for tenant a' });
        await until(() => captured.length === 1, 'the captured NOTIFY');
        await pool.query('SELECT pg_notify($1, $2)', [channelName(prefixB, 'room:1'), captured[0]]);
        await until(() => receiverB.rejections.length === 1, 'the replay to be refused');
        expect(receiverB.got).toEqual([]);
        expect(receiverB.rejections[0]).toMatchObject({
          reason: 'wrong_tenant',
          channel: 'room:1',
        });
      } finally {
        await spy.query('UNLISTEN *').catch(() => undefined);
        spy.release();
        await Promise.all([sender, receiverB].map((n) => n.bus.stop()));
        await pool.end();
      }
    });
  },
);
