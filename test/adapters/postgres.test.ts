/**
 * The PostgreSQL transport against the machine's PostgreSQL (DATABASE_URL, else
 * 127.0.0.1:5432/test): channel naming, the NOTIFY payload limit (measured), the claim check
 * end to end through createBus, server-side LISTEN bookkeeping, an injected pool, timeouts.
 * Every run uses its own prefix and claim table, so runs sharing one server never meet.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { quoteIdent } from '../../src/adapters/postgres/channels.js';
import { claimMarker, parseClaimMarker } from '../../src/adapters/postgres/claims.js';
import {
  channelName,
  MAX_CHANNEL_BYTES,
  NOTIFY_PAYLOAD_LIMIT,
  type PostgresTransport,
  postgresTransport,
} from '../../src/adapters/postgres/index.js';
import type { TransportEvent, TransportSink } from '../../src/adapters/transport.js';
import { type Bus, createBus, ErrorCode, isHeraldError } from '../../src/index.js';
import { createCodec, createKeyRing } from '../../src/internal.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, type TestTopics, testRegistry } from '../../src/testing/registry.js';
import { freePort, sleep } from '../support/ports.js';
import { requirePostgres } from '../support/services.js';

const service = await requirePostgres();
const url = service.url;
const run = newRunId();
const prefix = `ht_${run}`;
const table = `herald_claims_t${run}`;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** A sink that records what the transport hands over. */
function recorder(): TransportSink & {
  messages: { channel: string; data: string }[];
  events: TransportEvent[];
} {
  const messages: { channel: string; data: string }[] = [];
  const events: TransportEvent[] = [];
  return {
    messages,
    events,
    message: (channel, data) => void messages.push({ channel, data: String(data) }),
    event: (event) => void events.push(event),
  };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(10);
  }
}

describe('postgres channel names', () => {
  const odd = [
    'room:42',
    'room_42',
    'café:ünïcödé:日本語:🎉',
    'with "double" quotes and \'single\' ones',
    'spaces  and\ttabs\nand newlines',
    '',
    '$node:worker-7',
    'x'.repeat(200),
    '🎉'.repeat(100),
  ];

  it('are at most 63 bytes, whatever the topic (Unicode, quotes, spaces, 200 characters)', () => {
    for (const topic of odd) {
      const name = channelName('herald', topic);
      expect(bytes(name)).toBeLessThanOrEqual(MAX_CHANNEL_BYTES);
      expect(name.startsWith('herald_')).toBe(true);
    }
    fc.assert(
      fc.property(
        fc.constantFrom('h', 'herald', 'App_1', 'p'.repeat(30)),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        (p, topic) => bytes(channelName(p, topic)) <= MAX_CHANNEL_BYTES,
      ),
    );
  });

  it('are deterministic: every node and every transport instance derives the same name', () => {
    const a = postgresTransport({ connectionString: url, prefix: 'herald' });
    const b = postgresTransport({ connectionString: url, prefix: 'herald' });
    for (const topic of odd) {
      expect(a.channelName(topic)).toBe(channelName('herald', topic));
      expect(b.channelName(topic)).toBe(a.channelName(topic));
    }
    // Pinned: a change here would split a cluster of mixed Herald versions.
    const hash = createHash('sha256').update('herald\u0000room:42').digest('hex').slice(0, 16);
    expect(channelName('herald', 'room:42')).toBe(`herald_room:42_${hash}`);
    expect(hash).toBe('c6a627b1f9af41c3');
  });

  it('keep topics apart that differ only after byte 63, or only in unsafe characters', () => {
    const base = 'a'.repeat(70);
    expect(channelName('herald', `${base}1`)).not.toBe(channelName('herald', `${base}2`));
    expect(channelName('herald', 'room:42')).not.toBe(channelName('herald', 'room_42'));
    expect(channelName('herald', 'é')).not.toBe(channelName('herald', 'è'));
    expect(channelName('app1', 'room:42')).not.toBe(channelName('app2', 'room:42'));
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.string({ maxLength: 100 }), (x, y) => {
        fc.pre(x !== y);
        return channelName('herald', x) !== channelName('herald', y);
      }),
    );
  });

  it('keep a readable part when the topic has one, and are hash only when it has none', () => {
    expect(channelName('herald', 'orders:eu:created')).toMatch(
      /^herald_orders:eu:created_[0-9a-f]{16}$/,
    );
    expect(channelName('herald', '日本語 🎉')).toMatch(/^herald_[0-9a-f]{16}$/);
    expect(channelName('herald', 'x'.repeat(200))).toMatch(/^herald_x+_[0-9a-f]{16}$/);
  });

  it('quote identifiers by doubling double quotes', () => {
    expect(quoteIdent('plain')).toBe('"plain"');
    expect(quoteIdent('say "hi"')).toBe('"say ""hi"""');
  });

  it('reject a prefix that is not a plain identifier, and other impossible options', () => {
    for (const bad of ['', '1abc', 'has space', 'quo"te', 'x'.repeat(31), 'ünï']) {
      expect(() => postgresTransport({ connectionString: url, prefix: bad })).toThrow(
        expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
      );
    }
    expect(() =>
      postgresTransport({ connectionString: url, claimCheck: { thresholdBytes: 8000 } }),
    ).toThrow(/thresholdBytes/);
    expect(() =>
      postgresTransport({ connectionString: url, claimCheck: { table: 'drop table; --' } }),
    ).toThrow(/claim table/);
    expect(() => postgresTransport({ connectionString: url, heartbeatMs: 0 })).toThrow(
      /heartbeatMs/,
    );
  });
});

describe('postgres connection options', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads DATABASE_URL when no connection is given, and the default when it is unset or empty', () => {
    vi.stubEnv('DATABASE_URL', 'postgres://someone@127.0.0.1:6543/orders');
    expect(postgresTransport().status().detail).toMatchObject({
      host: '127.0.0.1',
      port: 6543,
      database: 'orders',
    });
    // An explicit connection string wins over the environment.
    expect(
      postgresTransport({ connectionString: 'postgres://x@127.0.0.1:7654/other' }).status().detail,
    ).toMatchObject({ port: 7654, database: 'other' });
    for (const unset of ['', undefined]) {
      vi.stubEnv('DATABASE_URL', unset);
      expect(postgresTransport().status().detail).toMatchObject({
        host: '127.0.0.1',
        port: 5432,
        database: 'test',
      });
    }
  });
});

describe('claim markers', () => {
  it('round-trip, and the bus decoder refuses one that leaks through as malformed', () => {
    const marker = claimMarker('0123456789abcdef', '3f1d1b9e-6c8f-4a55-9d07-2f0f3c1f6a11');
    expect(parseClaimMarker(marker)).toEqual({
      instance: '0123456789abcdef',
      id: '3f1d1b9e-6c8f-4a55-9d07-2f0f3c1f6a11',
    });
    expect(parseClaimMarker('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBeUndefined();
    expect(parseClaimMarker('~hc1:short:id')).toBeUndefined();
    const codec = createCodec(createKeyRing(testKeys()), 'n1');
    const decoded = codec.decode(marker);
    expect(!decoded.ok && decoded.reason).toBe('malformed');
  });
});

describe.skipIf(!service.ok)('postgres transport on a real server', () => {
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const open: { stop(): Promise<void> }[] = [];
  const transport = (extra: Parameters<typeof postgresTransport>[0] = {}): PostgresTransport => {
    const t = postgresTransport({
      connectionString: url,
      prefix,
      claimCheck: { table },
      ...extra,
    });
    open.push({ stop: () => t.close() });
    return t;
  };
  const bus = (nodeId: string, t: PostgresTransport): Bus<TestTopics> => {
    const b = createBus({ registry: testRegistry, keys: testKeys(), nodeId, transport: t });
    open.push(b);
    return b;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.stop()));
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
    await admin.end();
  });

  it('measures the NOTIFY payload limit: 7999 bytes pass, 8000 fail with 22023', async () => {
    const notify = (payload: string) => admin.query('SELECT pg_notify($1, $2)', [prefix, payload]);
    await expect(notify('a'.repeat(7999))).resolves.toBeDefined();
    const error = await notify('a'.repeat(8000)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '22023', message: 'payload string too long' });
    // The limit is in bytes: 3999 two-byte characters plus one byte pass, 4000 of them fail.
    await expect(notify(`${'é'.repeat(3999)}a`)).resolves.toBeDefined();
    await expect(notify('é'.repeat(4000))).rejects.toMatchObject({ code: '22023' });
    let low = 1;
    let high = 65_536;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (
        await notify('a'.repeat(mid)).then(
          () => true,
          () => false,
        )
      )
        low = mid;
      else high = mid;
    }
    console.log(`postgres NOTIFY payload limit measured on this server: ${low} bytes`);
    expect(low).toBe(NOTIFY_PAYLOAD_LIMIT);
  });

  it('LISTENs a topic-derived name exactly as derived, untruncated, even when long or odd', async () => {
    const t = transport();
    await t.connect(recorder());
    const topics = ['x'.repeat(200), 'café "quoted" 日本語', `${'y'.repeat(70)}-tail`];
    for (const topic of topics) await t.subscribe(topic);
    const listening = await t.listening();
    for (const topic of topics) expect(listening).toContain(t.channelName(topic));
    // And pg_notify() accepts every one of them (a 64-byte name would be "too long").
    for (const topic of topics) {
      await admin.query('SELECT pg_notify($1, $2)', [t.channelName(topic), 'ping']);
    }
  });

  it('shows a channel once in pg_listening_channels() and not after unsubscribe', async () => {
    const t = transport();
    await t.connect(recorder());
    const name = t.channelName(`herald-test:${run}:once`);
    await t.subscribe(`herald-test:${run}:once`);
    await t.subscribe(`herald-test:${run}:once`);
    await t.subscribe(`herald-test:${run}:other`);
    let listening = await t.listening();
    expect(listening.filter((c) => c === name)).toHaveLength(1);
    expect(t.status().channels).toBe(2);
    await t.unsubscribe(`herald-test:${run}:once`);
    listening = await t.listening();
    expect(listening).not.toContain(name);
    expect(listening).toContain(t.channelName(`herald-test:${run}:other`));
    expect(listening.filter((c) => c.includes('#probe#'))).toHaveLength(1);
  });

  it('delivers through a dedicated listener, not a pooled connection', async () => {
    const t = transport();
    const sink = recorder();
    await t.connect(sink);
    await t.subscribe('direct');
    const pid = Number(t.status().detail?.listenerPid);
    const { rows } = await admin.query(
      'SELECT application_name FROM pg_stat_activity WHERE pid = $1',
      [pid],
    );
    expect(rows[0]?.application_name).toBe('herald-listener');
    await admin.query('SELECT pg_notify($1, $2)', [t.channelName('direct'), 'eyJhello']);
    await until(() => sink.messages.length === 1);
    expect(sink.messages).toEqual([{ channel: 'direct', data: 'eyJhello' }]);
    expect(sink.events).toEqual([{ type: 'connected' }]);
  });

  it('carries 9 KB and 1 MB messages through the claim check, intact and verified by the bus', async () => {
    const ta = transport();
    const tb = transport();
    const a = bus('pa', ta);
    const b = bus('pb', tb);
    await Promise.all([a.start(), b.start()]);
    const received: { bytes: number; sha256: string; data: string }[] = [];
    const rejected: unknown[] = [];
    b.on('rejected', (r) => void rejected.push(r));
    await b.subscribe(`herald-test-blob:${run}`, (m) => void received.push(m.payload));
    const sizes = [1000, 9 * 1024, 1024 * 1024];
    for (const size of sizes) {
      const data = 'z'.repeat(size - 1) + String(size % 10);
      await a.broadcast(`herald-test-blob:${run}`, 'chunk', {
        bytes: size,
        sha256: sha256(data),
        data,
      });
    }
    await until(() => received.length === sizes.length, 10_000);
    expect(rejected).toEqual([]);
    for (const [i, size] of sizes.entries()) {
      const got = received[i];
      expect(got?.bytes).toBe(size);
      expect(got?.data.length).toBe(size);
      expect(sha256(got?.data ?? '')).toBe(got?.sha256);
    }
    // The 1000-byte one fitted in a NOTIFY; the other two went through the table.
    expect(ta.status().detail).toMatchObject({ claimChecks: 2 });
    expect(tb.status().detail).toMatchObject({ claimsFetched: 2, claimsLost: 0 });
    const rows = await admin.query(`SELECT channel, length(body) AS len FROM ${quoteIdent(table)}`);
    expect(rows.rows.map((r) => r.channel)).toContain(ta.channelName(`herald-test-blob:${run}`));
  });

  it('keeps one publisher’s order when a claim-checked message sits between small ones', async () => {
    const ta = transport({ claimCheck: { table, thresholdBytes: 1500 } });
    const tb = transport({ claimCheck: { table, thresholdBytes: 1500 } });
    const a = bus('oa', ta);
    const b = bus('ob', tb);
    await Promise.all([a.start(), b.start()]);
    const seen: number[] = [];
    await b.subscribe(`herald-test:${run}:order`, (m) => {
      if (m.event === 'posted') seen.push(m.payload.n);
    });
    for (let n = 0; n < 40; n++) {
      const text = n % 5 === 2 ? 'L'.repeat(2000) : 's';
      await a.broadcast(`herald-test:${run}:order`, 'posted', { n, from: 'oa', text });
    }
    await until(() => seen.length === 40, 10_000);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(ta.status().detail).toMatchObject({ claimChecks: 8 });
  });

  it('sends a tick’s first publish and the batches after it in one statement, by default', async () => {
    const ta = transport();
    const tb = transport();
    const a = bus('sa', ta);
    const b = bus('sb', tb);
    await Promise.all([a.start(), b.start()]);
    const topic = `herald-test:${run}:tick` as const;
    const seen: number[] = [];
    await b.subscribe(topic, (m) => {
      if (m.event === 'posted') seen.push(m.payload.n);
    });
    const before = ta.status().detail?.notifyStatements as number;
    await Promise.all(
      Array.from({ length: 60 }, (_, n) =>
        a.broadcast(topic, 'posted', { n, from: 'sa', text: 's' }),
      ),
    );
    await until(() => seen.length === 60, 10_000);
    expect(seen).toEqual(Array.from({ length: 60 }, (_, n) => n));
    // One round trip: the lone first message did not go ahead of the batches of its tick.
    expect((ta.status().detail?.notifyStatements as number) - before).toBe(1);
  });

  it('deletes expired claim rows on its sweep timer', async () => {
    const sweepTable = `${table}_sweep`;
    const t = transport({ claimCheck: { table: sweepTable, ttlMs: 150, sweepMs: 100 } });
    await t.connect(recorder());
    await t.publish('sweep-me', `eyJ${'q'.repeat(9000)}`);
    await t.publish('sweep-me', `eyJ${'q'.repeat(9000)}`);
    const count = async () =>
      Number((await admin.query(`SELECT count(*) AS n FROM ${quoteIdent(sweepTable)}`)).rows[0].n);
    expect(await count()).toBe(2);
    await until(async () => (await count()) === 0, 5000);
    await admin.query(`DROP TABLE ${quoteIdent(sweepTable)}`);
  });

  it('refuses a claim marker whose row does not exist, with no gap (a forged marker)', async () => {
    const tb = transport({ claimCheck: { table: `hcn_${run}`, ttlMs: 300 } });
    const tc = transport({ claimCheck: { table, ttlMs: 300 } });
    const sink = recorder();
    const refused: { channel: string; detail: string }[] = [];
    const sinkC = {
      ...recorder(),
      refused: (channel: string, detail: string) => void refused.push({ channel, detail }),
    };
    await tb.connect({
      ...sink,
      refused: (channel, detail) => void refused.push({ channel, detail }),
    });
    await tc.connect(sinkC);
    await tb.subscribe('gone');
    await tc.subscribe('gone');
    // Without a key, anyone who can NOTIFY can send a marker: once on a receiver whose claim
    // table does not even exist, once on one whose table has no such row.
    const marker = claimMarker('ffffffffffffffff', '3f1d1b9e-6c8f-4a55-9d07-2f0f3c1f6a11');
    await admin.query('SELECT pg_notify($1, $2)', [tb.channelName('gone'), marker]);
    await until(() => refused.length >= 2);
    expect(refused.map((r) => r.channel)).toEqual(['gone', 'gone']);
    expect(refused[0]?.detail).toMatch(
      /claim-check marker names row 3f1d1b9e-.* which does not exist/,
    );
    expect(sink.events.filter((e) => e.type !== 'connected')).toEqual([]);
    expect(sinkC.events.filter((e) => e.type !== 'connected')).toEqual([]);
    expect(sink.messages).toEqual([]);
    expect(tb.status().detail).toMatchObject({ claimsMissing: 1, claimsLost: 0 });
    expect(tc.status().detail).toMatchObject({ claimsMissing: 1, claimsLost: 0 });
  });

  it('reports a claim that cannot be read (its pool failing) as a gap, not as silence', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const tb = transport({ pool, claimCheck: { table, ttlMs: 300 } });
    const sink = recorder();
    await tb.connect(sink);
    await tb.subscribe('unreadable');
    await pool.end();
    const marker = claimMarker('ffffffffffffffff', '3f1d1b9e-6c8f-4a55-9d07-2f0f3c1f6a12');
    await admin.query('SELECT pg_notify($1, $2)', [tb.channelName('unreadable'), marker]);
    await until(() => sink.events.length >= 3);
    expect(sink.events[1]).toMatchObject({
      type: 'disconnected',
      reason: expect.stringMatching(/unreadable/),
    });
    expect(sink.events[2]).toMatchObject({ type: 'resubscribed' });
    expect(sink.messages).toEqual([]);
    expect(tb.status().detail).toMatchObject({ claimsLost: 1 });
  });

  it('uses an existing pg.Pool and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 3 });
    try {
      const ta = transport({ pool });
      const tb = transport();
      const a = bus('ia', ta);
      const b = bus('ib', tb);
      await Promise.all([a.start(), b.start()]);
      const seen: string[] = [];
      await b.subscribe(`herald-test:${run}:pool`, (m) => {
        if (m.event === 'posted') seen.push(m.payload.text);
      });
      await a.broadcast(`herald-test:${run}:pool`, 'posted', { n: 1, from: 'ia', text: 'hi' });
      await until(() => seen.length === 1);
      expect(seen).toEqual(['hi']);
      expect(ta.status().detail).toMatchObject({ ownsPool: false });
      expect(pool.totalCount).toBeGreaterThan(0);
      await a.stop();
      await a.stop();
      expect(ta.status().state).toBe('closed');
      const { rows } = await pool.query('SELECT 1 AS one');
      expect(rows[0].one).toBe(1);
      expect(pool.ended).toBe(false);
    } finally {
      await pool.end();
    }
  });

  it('rejects connect() with CONNECT_FAILED on a port nobody listens on', async () => {
    const port = await freePort();
    const t = postgresTransport({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` });
    const error = await t.connect(recorder()).catch((e: unknown) => e);
    expect(isHeraldError(error) && error.code).toBe(ErrorCode.ConnectFailed);
    expect(String(error)).toContain(`127.0.0.1:${port}`);
    expect(t.status().state).toBe('idle');
  });

  it('rejects connect() within connectTimeoutMs when the server accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const t = postgresTransport({
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        connectTimeoutMs: 400,
      });
      const started = Date.now();
      const error = await t.connect(recorder()).catch((e: unknown) => e);
      const took = Date.now() - started;
      expect(isHeraldError(error) && error.code).toBe(ErrorCode.ConnectFailed);
      expect(took).toBeGreaterThanOrEqual(350);
      expect(took).toBeLessThan(1500);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('rejects publish and subscribe with PUBLISH_FAILED before connect and after close', async () => {
    const t = transport();
    await expect(t.publish('x', 'eyJ')).rejects.toMatchObject({ code: ErrorCode.PublishFailed });
    await expect(t.subscribe('x')).rejects.toMatchObject({ code: ErrorCode.PublishFailed });
    await t.connect(recorder());
    await t.publish('x', 'eyJ');
    await t.close();
    await t.close();
    await expect(t.publish('x', 'eyJ')).rejects.toMatchObject({ code: ErrorCode.PublishFailed });
    await expect(t.listening()).rejects.toMatchObject({ code: ErrorCode.PublishFailed });
  });

  it('rejects a publish the server refuses, never reporting it as sent', async () => {
    // A claim table the role may not create: a schema that does not exist.
    const t = transport({ claimCheck: { table: `no_such_schema_${run}.claims` } });
    await t.connect(recorder());
    const error = await t.publish('x', `eyJ${'b'.repeat(9000)}`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.PublishFailed, transport: 'postgres' });
    expect(String(error)).toContain('3F000');
  });

  it('connects again after close, with a new listener', async () => {
    const t = transport();
    const sink = recorder();
    await t.connect(recorder());
    const first = Number(t.status().detail?.listenerPid);
    await t.close();
    await t.connect(sink);
    await t.subscribe('again');
    expect(Number(t.status().detail?.listenerPid)).not.toBe(first);
    await admin.query('SELECT pg_notify($1, $2)', [t.channelName('again'), 'eyJagain']);
    await until(() => sink.messages.length === 1);
    expect(sink.messages[0]).toEqual({ channel: 'again', data: 'eyJagain' });
  });

  it('ends the listener on close and removes its LISTENs from the server', async () => {
    const t = transport();
    await t.connect(recorder());
    await t.subscribe('bye');
    const pid = Number(t.status().detail?.listenerPid);
    expect(pid).toBeGreaterThan(0);
    await t.close();
    await until(async () => {
      const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      return rows.length === 0;
    });
    expect(t.status()).toMatchObject({ state: 'closed', channels: 0 });
  });

  it('never shows the password in status()', async () => {
    const withPassword = new URL(url);
    withPassword.password = 'sekret-pw';
    const t = transport({ connectionString: withPassword.toString() });
    await t.connect(recorder());
    const status = JSON.stringify(t.status());
    expect(status).not.toContain('sekret-pw');
    expect(t.status().detail).toMatchObject({ prefix, host: withPassword.hostname });
  });
});
