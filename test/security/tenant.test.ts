/**
 * Tenant isolation on one Redis and one PostgreSQL.
 *
 * Exhaustive over 10,000 fuzzed tenant ids (Unicode including lone surrogates, `* ? [ ] \ : '`,
 * quotes, spaces, control characters): the Redis prefixes from `tenantPrefix` are distinct and
 * prefix-free, so `prefix + channel` names one (tenant, channel) pair; the PostgreSQL prefixes
 * are valid, distinct, and every derived NOTIFY channel name is distinct, at most 63 bytes and
 * needs no quote escaping; a tenant id used as a topic parameter maps back to itself exactly, or
 * is refused with a typed error.
 *
 * Sampled: real round trips for a few dozen of those ids (the nastiest ones first), two nodes per
 * tenant, every tenant on the same topic with the same signing key, so only the namespace keeps
 * them apart: no node ever receives another tenant's message.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkPrefix,
  MAX_CHANNEL_BYTES,
  quoteIdent,
} from '../../src/adapters/postgres/channels.js';
import { channelName, postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import {
  type Bus,
  createBus,
  defineTopics,
  ErrorCode,
  event,
  type Message,
  type Transport,
  tenantPrefix,
  topic,
} from '../../src/index.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { KEY_1 } from './harness.js';

const redis = await requireRedis();
const postgres = await requirePostgres();
const run = randomBytes(3).toString('hex');
const BASE = `ht${run}`;

const registry = defineTopics({
  room: topic('room:{roomId}', { events: { said: event(Type.Object({ text: Type.String() })) } }),
  tenant: topic('tenant:{tenantId}:events', {
    events: { said: event(Type.Object({ text: Type.String() })) },
  }),
});

/** Ids anyone would try first. */
const NASTY = [
  '*',
  '?',
  '[a-z]',
  '[',
  ']',
  '\\',
  ':',
  "'",
  '"',
  "'; DROP TABLE x; --",
  'a:b',
  'a',
  'a_003ab', // what "a:b" escapes to
  'a_005f003ab',
  '__proto__',
  'constructor',
  'tenant',
  'room:1',
  '$node:x',
  ' ',
  '\u0000',
  '\n',
  'é',
  'e\u0301', // the same letter, decomposed
  '🎉',
  'ｔｅｎａｎｔ',
  'x'.repeat(200),
];
/** Not Unicode: no UTF-8 encoding, so no other implementation could name them. Refused. */
const LONE_SURROGATES = ['\ud83c', '\udf89', 'a\ud800b', '\udfff\ud800'];

/** True unless the string holds a lone surrogate. */
const wellFormed = (text: string): boolean => Buffer.from(text, 'utf8').toString('utf8') === text;

/** 10,000 distinct tenant ids: the nasty ones, then fuzzed ones (fixed seed: reproducible). */
function tenantIds(): string[] {
  const alphabet = fc.constantFrom(
    ...'*?[]\\:\'"%_-.~ /#$aAzZ09éß中🎉\u0000\u007f\ud800'.split(''),
  );
  const arbitrary = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    fc.string({ unit: alphabet, minLength: 1, maxLength: 10 }),
  );
  const ids = new Set(NASTY);
  for (const id of fc.sample(arbitrary, { numRuns: 30_000, seed: 20260101 })) {
    if (ids.size >= 10_000) break;
    if (wellFormed(id)) ids.add(id);
  }
  return [...ids];
}

const IDS = tenantIds();
/** Channels every tenant uses: shared topic names, direct channels, and its own topic. */
const channelsOf = (id: string): string[] => {
  const own = registry.resolve(`tenant:${id}:events`) ? [`tenant:${id}:events`] : [];
  return ['room:1', 'room:2', '$node:node-1', ...own];
};

describe('tenant namespaces, over 10,000 fuzzed tenant ids (exhaustive)', () => {
  it('has 10,000 distinct ids, including every special character the issue names', () => {
    expect(IDS).toHaveLength(10_000);
    for (const ch of ['*', '?', '[', ']', '\\', ':', "'"]) {
      expect(IDS.filter((id) => id.includes(ch)).length).toBeGreaterThan(100);
    }
    expect(IDS.filter((id) => /[^\x20-\x7e]/.test(id)).length).toBeGreaterThan(3000);
  });

  it('gives Redis prefixes that are distinct and prefix-free, so prefix + channel never collides', () => {
    const prefixes = IDS.map((id) => tenantPrefix(id, 'redis', BASE));
    expect(new Set(prefixes).size).toBe(IDS.length);
    for (const p of prefixes) expect(p).toMatch(/^ht[0-9a-f]{6}:t:[A-Za-z0-9._-]+:$/);
    // Sorted, a prefix of a string comes right before some string it prefixes.
    const sorted = [...prefixes].sort();
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i]!.startsWith(sorted[i - 1]!)).toBe(false);
    const names = new Set<string>();
    let pairs = 0;
    IDS.forEach((id, i) => {
      for (const channel of channelsOf(id)) {
        names.add(prefixes[i]! + channel);
        pairs++;
      }
    });
    expect(names.size).toBe(pairs);
  });

  it('gives PostgreSQL prefixes and channel names that are valid, distinct, short and quote-safe', () => {
    const prefixes = IDS.map((id) => tenantPrefix(id, 'postgres', BASE));
    expect(new Set(prefixes).size).toBe(IDS.length);
    const names = new Set<string>();
    let pairs = 0;
    IDS.forEach((id, i) => {
      const prefix = prefixes[i]!;
      expect(() => checkPrefix(prefix)).not.toThrow();
      expect(prefix).toHaveLength(30);
      for (const channel of channelsOf(id)) {
        const name = channelName(prefix, channel);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_CHANNEL_BYTES);
        expect(name.startsWith(`${prefix}_`)).toBe(true);
        expect(name).toMatch(/^[A-Za-z0-9_.:-]+$/);
        expect(quoteIdent(name)).toBe(`"${name}"`);
        names.add(name);
        pairs++;
      }
    });
    expect(names.size).toBe(pairs);
  });

  it('maps a tenant id used as a topic parameter back to itself, or refuses it with a typed error', () => {
    let usable = 0;
    for (const id of IDS) {
      const resolved = registry.resolve(`tenant:${id}:events`);
      if (resolved) {
        usable++;
        expect(resolved.params).toEqual({ tenantId: id });
        expect(resolved.topic).toBe(`tenant:${id}:events`);
      } else {
        // ':' would change the segments; control characters, lone surrogates (not encodable as
        // UTF-8 channel names) and more than 200 characters are refused.
        const control = [...id].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
        expect(id.includes(':') || control || !wellFormed(id) || id.length > 200).toBe(true);
      }
    }
    expect(usable).toBeGreaterThan(5000);
  });

  it('refuses a tenant id with a lone surrogate, for every transport and as a bus tenant', () => {
    for (const id of LONE_SURROGATES) {
      for (const transport of ['redis', 'postgres'] as const)
        expect(() => tenantPrefix(id, transport, BASE)).toThrow(/lone surrogate/);
      expect(() =>
        createBus({ registry, keys: { keys: [KEY_1] }, transport: 'local', tenant: id }),
      ).toThrow(/lone surrogate/);
    }
  });

  it('derives the PostgreSQL prefix from the UTF-8 bytes of the id, hex in lowercase', () => {
    for (const id of ['acme', 'é', '🎉', 'ｔｅｎａｎｔ']) {
      const hex = createHash('sha256').update(Buffer.from(id, 'utf8')).digest('hex');
      expect(tenantPrefix(id, 'postgres', BASE)).toBe(
        `${BASE}_${hex.slice(0, 30 - BASE.length - 1)}`,
      );
    }
    // The Redis escape writes each UTF-16 code unit as _ and 4 lowercase hex digits.
    expect(tenantPrefix('a:é🎉', 'redis', BASE)).toBe(`${BASE}:t:a_003a_00e9_d83c_df89:`);
  });

  it('refuses to publish on a topic whose parameter is not a valid tenant id, naming it', async () => {
    const bus = createBus({ registry, keys: { keys: [KEY_1] }, transport: 'local', nodeId: 'n' });
    await bus.start();
    try {
      // With a ':' the topic has another shape: no template matches it.
      for (const id of ['a:b', ':']) {
        await expect(
          bus.broadcast(`tenant:${id}:events` as 'tenant:x:events', 'said', { text: 'x' }),
        ).rejects.toMatchObject({ code: ErrorCode.UnknownTopic });
      }
      // The shape of tenant:{tenantId}:events, with a value no topic may hold: the parameter is named.
      for (const id of ['\u0000', 'x'.repeat(201), '\ud83c', 'a\udf89b']) {
        await expect(
          bus.broadcast(`tenant:${id}:events` as 'tenant:x:events', 'said', { text: 'x' }),
        ).rejects.toMatchObject({ code: ErrorCode.InvalidParams, field: 'tenantId' });
      }
    } finally {
      await bus.stop();
    }
  });
});

// ---------------------------------------------------------------- sampled real round trips

/** The nasty ids plus an even sample of the fuzzed ones. */
const sample = (n: number): string[] => {
  const rest = IDS.slice(NASTY.length);
  const step = Math.floor(rest.length / (n - NASTY.length));
  return [...NASTY, ...rest.filter((_, i) => i % step === 0).slice(0, n - NASTY.length)];
};

interface Tenant {
  readonly id: string;
  readonly nodes: Bus<typeof registry.defs>[];
  /** Remote messages each node received, as "tenant index/text". */
  readonly got: string[][];
}

/** Starts two nodes per tenant, all subscribed to room:1 (and their own tenant topic). */
async function startTenants(
  ids: string[],
  transport: (id: string) => Transport,
): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  for (const id of ids) {
    const tenant: Tenant = { id, nodes: [], got: [[], []] };
    for (const n of [0, 1]) {
      const bus = createBus({
        registry,
        keys: { keys: [KEY_1] }, // the same key everywhere: namespace and tag separate tenants
        transport: transport(id),
        nodeId: `node-${n}`,
        tenant: id,
      });
      await bus.start();
      const record = (m: Message) => {
        if (!m.meta.local)
          tenant.got[n]!.push(
            `${m.topic === 'room:1' ? 'room' : 'own'}/${(m.payload as { text: string }).text}`,
          );
      };
      await bus.subscribe('room:1', record);
      const own = `tenant:${id}:events`;
      if (registry.resolve(own)) await bus.subscribe(own as 'tenant:x:events', record);
      tenant.nodes.push(bus);
    }
    tenants.push(tenant);
  }
  return tenants;
}

async function exchange(tenants: Tenant[]): Promise<void> {
  await Promise.all(
    tenants.map(async (t, i) => {
      await t.nodes[0]!.broadcast('room:1', 'said', { text: String(i) });
      const own = `tenant:${t.id}:events`;
      if (registry.resolve(own))
        await t.nodes[0]!.broadcast(own as 'tenant:x:events', 'said', { text: String(i) });
    }),
  );
  const expected = (t: Tenant, i: number) =>
    registry.resolve(`tenant:${t.id}:events`) ? [`room/${i}`, `own/${i}`] : [`room/${i}`];
  const deadline = Date.now() + 10_000;
  while (
    Date.now() < deadline &&
    !tenants.every((t, i) => t.got[1]!.length >= expected(t, i).length)
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  // A little longer, so a leak from another tenant would have time to arrive.
  await new Promise((r) => setTimeout(r, 200));
  tenants.forEach((t, i) => {
    expect(t.got[1]!.sort(), `tenant ${JSON.stringify(t.id)}`).toEqual(expected(t, i).sort());
    expect(t.got[0], `tenant ${JSON.stringify(t.id)}`).toEqual([]);
    for (const node of t.nodes) expect(node.stats().rejectedTotal).toBe(0);
  });
}

describe.skipIf(!redis.ok)('tenants on one Redis (sampled round trips)', () => {
  const tenants: Tenant[] = [];
  afterAll(async () => {
    await Promise.all(tenants.flatMap((t) => t.nodes.map((n) => n.stop())));
  });

  it("never lets one tenant receive another tenant's messages", { timeout: 60_000 }, async () => {
    const ids = sample(60);
    tenants.push(
      ...(await startTenants(ids, (id) =>
        redisTransport({ url: redis.url, prefix: tenantPrefix(id, 'redis', BASE) }),
      )),
    );
    await exchange(tenants);
    // The server holds exactly the channels the namespaces predict, glob characters and all.
    const admin = new Redis(redis.url);
    try {
      const channels = new Set((await admin.pubsub('CHANNELS', `${BASE}:t:*`)) as string[]);
      for (const t of tenants) {
        expect(channels.has(`${tenantPrefix(t.id, 'redis', BASE)}room:1`)).toBe(true);
      }
    } finally {
      admin.disconnect();
    }
  });
});

describe.skipIf(!postgres.ok)('tenants on one PostgreSQL (sampled round trips)', () => {
  const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
  pool.on('error', () => undefined);
  afterAll(() => pool.end());

  it("never lets one tenant receive another tenant's messages", { timeout: 90_000 }, async () => {
    // Each node holds a LISTEN connection: tenants run in batches of 8 (16 connections), each
    // batch on the same topics at the same time, so the server's max_connections is never near.
    const ids = sample(NASTY.length + 11);
    for (let i = 0; i < ids.length; i += 8) {
      const tenants = await startTenants(ids.slice(i, i + 8), (id) =>
        postgresTransport({ pool, prefix: tenantPrefix(id, 'postgres', BASE) }),
      );
      try {
        await exchange(tenants);
      } finally {
        await Promise.all(tenants.flatMap((t) => t.nodes.map((n) => n.stop())));
      }
    }
  });
});
