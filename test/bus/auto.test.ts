/**
 * Honest 'auto' (issue 15): a configured server that does not answer fails the start instead of
 * splitting the app; a fallback happens only to what the user listed (or, with nothing
 * configured, to `local`) and is reported; a receipt says `sent` only when a receiver could
 * have the message.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Bus,
  type BusEvents,
  createBus,
  ErrorCode,
  resolveTransport,
  TransportError,
} from '../../src/index.js';
import { keys, registry, settle } from '../fixtures/registry.js';

/** A loopback port nobody listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const buses: Bus<typeof registry.defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

describe("'auto' with a configured server", () => {
  it('fails to start when the configured Redis does not answer, without falling back to PostgreSQL or local', async () => {
    const url = `redis://127.0.0.1:${await deadPort()}`;
    const lines: string[] = [];
    const bus = createBus({
      registry,
      keys,
      transport: 'auto',
      transportOptions: { redis: { url }, connectTimeoutMs: 500 },
      log: (line) => lines.push(line),
    });
    expect(bus.transport().detail?.chain).toBe('redis');
    const error = await bus.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe(ErrorCode.ConnectFailed);
    const hint = (error as TransportError).hint ?? '';
    expect(hint).toContain('transportOptions.redis.url');
    expect(hint).toContain('does not fall back');
    expect(hint).not.toContain("add 'local'");
    expect(lines).toEqual([]);
  });

  it('takes REDIS_URL as configured: a bad one is an error, even with DATABASE_URL set and PostgreSQL up', async () => {
    const saved = { redis: process.env.REDIS_URL, database: process.env.DATABASE_URL };
    process.env.REDIS_URL = `redis://127.0.0.1:${await deadPort()}`;
    process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
    try {
      const bus = createBus({ registry, keys, transportOptions: { connectTimeoutMs: 500 } });
      const error = await bus.start().catch((e: unknown) => e);
      expect((error as TransportError).code).toBe(ErrorCode.ConnectFailed);
      expect((error as TransportError).hint).toContain('REDIS_URL');
      expect(bus.transport().name).toBe('redis');
    } finally {
      if (saved.redis === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved.redis;
      if (saved.database === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved.database;
    }
  });

  it('uses the configured PostgreSQL alone when only DATABASE_URL is set', () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };
    expect(resolveTransport('auto', { env }).name).toBe('postgres');
    expect(resolveTransport('auto', { env: { ...env, REDIS_URL: 'redis://x' } }).name).toBe(
      'redis',
    );
    // With failover every configured server stays connected: all of them, in order.
    expect(
      resolveTransport('auto', { env: { ...env, REDIS_URL: 'redis://x' }, failover: true }).name,
    ).toBe('redis>postgres');
  });

  it('with nothing configured, probes redis, postgres, nats, then local', () => {
    expect(resolveTransport('auto', { env: {} }).name).toBe('redis>postgres>nats>local');
    // A prefix or a timeout configures no server.
    expect(resolveTransport('auto', { env: {}, redis: { prefix: 'app:' } }).name).toBe(
      'redis>postgres>nats>local',
    );
  });

  it("never advises adding 'local' when a listed server does not answer", async () => {
    const bus = createBus({
      registry,
      keys,
      transport: 'redis',
      transportOptions: { redis: { url: `redis://127.0.0.1:${await deadPort()}` } },
    });
    const error = (await bus.start().catch((e: unknown) => e)) as TransportError;
    expect(error.code).toBe(ErrorCode.ConnectFailed);
    expect(error.hint).toContain(
      "Every process of an app must reach the same server: 'local' reaches only buses in this process",
    );
  });
});

describe("a listed fallback to 'local'", () => {
  async function degradedBus(lines: string[]) {
    const bus = createBus({
      registry,
      keys,
      nodeId: 'fell-back',
      transport: ['redis', 'local'],
      transportOptions: { redis: { url: `redis://127.0.0.1:${await deadPort()}` } },
      log: (line) => lines.push(line),
    });
    buses.push(bus);
    return bus;
  }

  it('starts, and says on stderr that only this process hears it', async () => {
    const lines: string[] = [];
    const bus = await degradedBus(lines);
    await bus.start();
    expect(bus.transport().name).toBe('local');
    const report = lines.filter((l) => l.includes('started on local'));
    expect(report).toHaveLength(1);
    expect(report[0]).toMatch(
      /^herald: started on local, not on redis: redis \(.+\)\. Fix: only buses in this process receive/,
    );
  });

  it("emits 'degraded' to a listener instead of stderr", async () => {
    const lines: string[] = [];
    const bus = await degradedBus(lines);
    const seen: BusEvents['degraded'][] = [];
    bus.on('degraded', (d) => seen.push(d));
    await bus.start();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ transport: 'local', preferred: 'redis' });
    expect(seen[0]?.reason).toMatch(/^redis \(/);
    expect(lines).toEqual([]);
  });

  it('reports sent: false while no other bus could receive, and true once one listens', async () => {
    const bus = await degradedBus([]);
    await bus.start();
    const alone = await bus.broadcast('room:1', 'message', { text: 'anyone?', n: 1 });
    expect(alone).toMatchObject({ transport: 'local', degraded: true, sent: false });
    // Another bus in this process, on the same default hub, subscribes: now it can receive.
    const peer = createBus({ registry, keys, nodeId: 'peer', transport: 'local', log: false });
    buses.push(peer);
    await peer.start();
    const got: unknown[] = [];
    await peer.subscribe('room:1', (m) => void got.push(m.payload));
    const heard = await bus.broadcast('room:1', 'message', { text: 'hello', n: 2 });
    expect(heard).toMatchObject({ transport: 'local', degraded: true, sent: true });
    await settle(20);
    expect(got).toEqual([{ text: 'hello', n: 2 }]);
  });
});
