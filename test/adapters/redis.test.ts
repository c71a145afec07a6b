/**
 * Direct tests of the Redis transport against the machine's Redis (REDIS_URL, else
 * 127.0.0.1:6379), each run under its own random prefix. Faults that would disturb a shared
 * server (kills, CLIENT KILL) live in test/fault/redis.test.ts on private servers; here only our
 * own connections are cut, through a loopback proxy.
 */
import { createServer, type Server, Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { resolveOptions } from '../../src/adapters/redis/options.js';
import { ErrorCode, isHeraldError, type Transport } from '../../src/index.js';
import { freePort } from '../support/ports.js';
import { startProxy, type TcpProxy } from '../support/proxy.js';
import { startRedisServer } from '../support/redis-server.js';
import { requireRedis } from '../support/services.js';
import { adminClient, numsub, recordingSink, uniquePrefix, waitFor } from './redis.helpers.js';

const redis = await requireRedis();
const port = redis.ok ? Number(new URL(redis.url).port || 6379) : 6379;

describe.skipIf(!redis.ok)('redis transport', () => {
  const prefix = uniquePrefix();
  const open: Transport[] = [];
  let admin: Redis;

  const make = (extra: Parameters<typeof redisTransport>[0] = {}): Transport => {
    const t = redisTransport({ url: redis.url, prefix, ...extra });
    open.push(t);
    return t;
  };

  beforeAll(async () => {
    admin = await adminClient(redis.url);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    admin.disconnect();
  });

  it('delivers a published message to another transport subscribed to the channel', async () => {
    const a = make();
    const b = make();
    const sinkB = recordingSink();
    await a.connect(recordingSink());
    await b.connect(sinkB);
    await b.subscribe('room:1');
    await a.publish('room:1', 'hello');
    await a.publish('room:2', 'not for b');
    await waitFor(() => sinkB.messages.length >= 1, 'the message');
    await new Promise((r) => setTimeout(r, 50));
    expect(sinkB.messages).toEqual([{ channel: 'room:1', data: 'hello' }]);
    expect(sinkB.events).toEqual([{ type: 'connected' }]);
  });

  it('keeps two prefixes apart on one Redis', async () => {
    const a = make();
    const other = redisTransport({ url: redis.url, prefix: uniquePrefix() });
    open.push(other);
    const sinkA = recordingSink();
    const sinkOther = recordingSink();
    await a.connect(sinkA);
    await other.connect(sinkOther);
    await a.subscribe('room:1');
    await other.subscribe('room:1');
    await a.publish('room:1', 'from a');
    await other.publish('room:1', 'from other');
    const c = make();
    const sinkC = recordingSink();
    await c.connect(sinkC);
    await c.subscribe('room:1');
    await a.publish('room:1', 'second from a');
    await waitFor(() => sinkC.messages.length === 1, 'c to receive a message');
    await new Promise((r) => setTimeout(r, 50));
    expect(sinkC.messages.map((m) => m.data)).toEqual(['second from a']);
    // Redis echoes a publisher's own messages (the bus drops them); nothing crosses prefixes.
    await waitFor(() => sinkA.messages.length === 2, 'a to see its own two messages');
    expect(sinkA.messages.map((m) => m.data)).toEqual(['from a', 'second from a']);
    expect(sinkOther.messages.map((m) => m.data)).toEqual(['from other']);
  });

  it('holds exactly one server subscription per channel, and none after unsubscribe', async () => {
    const t = make();
    await t.connect(recordingSink());
    await t.subscribe('room:1');
    await t.subscribe('room:2');
    expect(await numsub(admin, `${prefix}room:1`)).toBe(1);
    expect(await numsub(admin, `${prefix}room:2`)).toBe(1);
    expect(t.status().channels).toBe(2);
    await t.unsubscribe('room:1');
    expect(await numsub(admin, `${prefix}room:1`)).toBe(0);
    expect(await numsub(admin, `${prefix}room:2`)).toBe(1);
    await t.close();
    await waitFor(
      async () => (await numsub(admin, `${prefix}room:2`)) === 0,
      'close to unsubscribe',
    );
  });

  it('publishes and subscribes on two separate connections', async () => {
    const t = make({ redis: { connectionName: `sep${process.pid}` } });
    await t.connect(recordingSink());
    await t.subscribe('room:1');
    const list = String(await admin.call('CLIENT', 'LIST'));
    const ours = list.split('\n').filter((line) => line.includes(`name=sep${process.pid}-`));
    expect(ours).toHaveLength(2);
    expect(ours.some((l) => l.includes(`name=sep${process.pid}-sub`) && /\bsub=1\b/.test(l))).toBe(
      true,
    );
    expect(ours.some((l) => l.includes(`name=sep${process.pid}-pub`) && /\bsub=0\b/.test(l))).toBe(
      true,
    );
  });

  it('keeps an idle subscribed connection up through many heartbeats', async () => {
    const t = make({
      heartbeatMs: 20,
      heartbeatTimeoutMs: 500,
      redis: { connectionName: `hb${process.pid}` },
    });
    const sink = recordingSink();
    await t.connect(sink);
    await t.subscribe('room:1');
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.events).toEqual([{ type: 'connected' }]);
    expect(t.status().state).toBe('connected');
    // Both connections answer PING, the subscriber in subscribe mode too.
    const list = String(await admin.call('CLIENT', 'LIST'));
    const ours = list.split('\n').filter((l) => l.includes(`name=hb${process.pid}-`));
    expect(ours.length).toBe(2);
    expect(ours.every((l) => /\bcmd=ping\b/.test(l))).toBe(true);
  });

  it('does not mistake a subscriber slower than the stream for a dead connection', async () => {
    // 2,000 messages of 1.5 KB (3 MB: many socket reads, under Redis's default 8 MB output
    // buffer soft limit) in front of a sink that spends 1.5 ms on each: a PING's answer waits
    // seconds behind them (its timeout is 750 ms here). Busy, not dead: nothing may be lost.
    const a = make();
    const b = make({ heartbeatMs: 100, heartbeatTimeoutMs: 750 });
    const sink = recordingSink();
    const slow = {
      ...sink,
      message(channel: string, data: string | Uint8Array) {
        const until = performance.now() + 1.5;
        while (performance.now() < until) {
          // CPU-bound work per message.
        }
        sink.message(channel, data);
      },
    };
    await a.connect(recordingSink());
    await b.connect(slow);
    await b.subscribe('busy:1');
    await new Promise((r) => setTimeout(r, 250));
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) => a.publish('busy:1', `m${i}`.padEnd(1500, '.'))),
    );
    await waitFor(
      () => sink.messages.length >= 2000 || sink.events.length > 1,
      'the backlog',
      30_000,
    );
    expect(sink.events).toEqual([{ type: 'connected' }]);
    expect(sink.messages.map((m) => m.data.replace(/\.+$/, ''))).toEqual(
      Array.from({ length: 2000 }, (_, i) => `m${i}`),
    );
  }, 40_000);

  it('rejects a publish before connect and after close with PUBLISH_FAILED', async () => {
    const t = make();
    await expect(t.publish('room:1', 'x')).rejects.toMatchObject({ code: ErrorCode.PublishFailed });
    await t.connect(recordingSink());
    await t.publish('room:1', 'x');
    await t.close();
    await t.close();
    expect(t.status().state).toBe('closed');
    await expect(t.publish('room:1', 'x')).rejects.toMatchObject({
      code: ErrorCode.PublishFailed,
      transport: 'redis',
    });
  });

  describe('pipeline', () => {
    /** How many socket writes carry a message for channel `name` while `run` runs. */
    async function writesOf(name: string, run: () => Promise<unknown>) {
      const write = Socket.prototype.write;
      let writes = 0;
      Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: never[]) {
        const text =
          typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
        if (text.includes(`${prefix}${name}`)) writes++;
        return write.call(this, chunk as string, ...rest);
      } as typeof write;
      try {
        await run();
      } finally {
        Socket.prototype.write = write;
      }
      return writes;
    }

    it('writes the publishes of one tick with one socket write, each its own message, in order', async () => {
      const a = make({ pipeline: true });
      const b = make();
      const sinkB = recordingSink();
      await a.connect(recordingSink());
      await b.connect(sinkB);
      await b.subscribe('tick:1');
      const texts = Array.from({ length: 100 }, (_, i) => `m${i}`);
      const writes = await writesOf('tick:1', () =>
        Promise.all(texts.map((text) => a.publish('tick:1', text))),
      );
      expect(writes).toBe(1);
      await waitFor(() => sinkB.messages.length >= 100, 'the 100 messages');
      expect(sinkB.messages.map((m) => m.data)).toEqual(texts);
      // A publish alone in its tick is written alone, and still goes out.
      expect(await writesOf('tick:1', () => a.publish('tick:1', 'alone'))).toBe(1);
      await waitFor(() => sinkB.messages.length === 101, 'the lone message');
    });

    it('writes each publish by itself by default', async () => {
      const a = make();
      await a.connect(recordingSink());
      const writes = await writesOf('tick:2', () =>
        Promise.all(Array.from({ length: 20 }, (_, i) => a.publish('tick:2', `m${i}`))),
      );
      expect(writes).toBe(20);
    });

    it('rejects every publish of a tick with PUBLISH_FAILED when its connection resets', async () => {
      const proxy = await startProxy(port, { targetHost: new URL(redis.url).hostname });
      try {
        const a = make({ url: `redis://127.0.0.1:${proxy.port}`, pipeline: true });
        await a.connect(recordingSink());
        const sent = Array.from({ length: 10 }, (_, i) => a.publish('tick:3', `m${i}`));
        // Reset in the same tick: the pipeline is written to a connection the server never reads.
        proxy.reset();
        const settled = await Promise.allSettled(sent);
        for (const s of settled) {
          expect(s.status).toBe('rejected');
          expect((s as PromiseRejectedResult).reason).toMatchObject({
            code: ErrorCode.PublishFailed,
            transport: 'redis',
          });
        }
      } finally {
        await proxy.close();
      }
    });

    it('refuses a pipeline option that is not a boolean', () => {
      expect(() => redisTransport({ pipeline: 'yes' as unknown as boolean })).toThrow(
        /pipeline must be true or false/,
      );
    });
  });

  describe('through a proxy', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startProxy(port, { targetHost: new URL(redis.url).hostname });
    });
    afterAll(async () => {
      await proxy.close();
    });
    afterEach(() => {
      proxy.refuse(false);
      proxy.blackhole(false);
    });

    const viaProxy = (extra: Parameters<typeof redisTransport>[0] = {}): Transport => {
      const u = new URL(redis.url);
      u.port = String(proxy.port);
      return make({ url: u.toString(), ...extra });
    };

    it('rejects a publish at once while the connection is down', async () => {
      const t = viaProxy();
      const sink = recordingSink();
      await t.connect(sink);
      proxy.refuse(true);
      proxy.reset();
      await waitFor(() => t.status().state === 'reconnecting', 'the transport to notice');
      const error = await t.publish('room:1', 'lost').catch((e: unknown) => e);
      expect(isHeraldError(error) && error.code).toBe(ErrorCode.PublishFailed);
      expect(sink.events.find((e) => e.type === 'disconnected')).toMatchObject({
        type: 'disconnected',
        reason: expect.stringMatching(/connection to 127\.0\.0\.1:\d+ lost/),
      });
    });

    it('holds publishes in a bounded buffer while down and sends them in order on reconnect', async () => {
      const t = viaProxy({ offlineBuffer: 2 });
      const receiver = make();
      const sinkR = recordingSink();
      const sink = recordingSink();
      await receiver.connect(sinkR);
      await receiver.subscribe('room:9');
      await t.connect(sink);
      proxy.refuse(true);
      proxy.reset();
      await waitFor(() => t.status().state === 'reconnecting', 'the transport to notice');
      const first = t.publish('room:9', 'one');
      const second = t.publish('room:9', 'two');
      const third = await t.publish('room:9', 'three').catch((e: unknown) => e);
      expect(isHeraldError(third) && third.code).toBe(ErrorCode.PublishFailed);
      expect(String(third)).toContain('offline buffer is full (2)');
      expect(t.status().detail).toMatchObject({ buffered: 2, bufferLimit: 2 });
      proxy.refuse(false);
      await Promise.all([first, second]);
      await waitFor(() => sinkR.messages.length === 2, 'the held messages');
      expect(sinkR.messages.map((m) => m.data)).toEqual(['one', 'two']);
      await waitFor(() => sink.events.some((e) => e.type === 'resubscribed'), 'resubscribed');
      expect(t.status()).toMatchObject({ state: 'connected', detail: { buffered: 0 } });
    });

    it('rejects held publishes when closed before the connection is back', async () => {
      const t = viaProxy({ offlineBuffer: 5 });
      await t.connect(recordingSink());
      proxy.refuse(true);
      proxy.reset();
      await waitFor(() => t.status().state === 'reconnecting', 'the transport to notice');
      const held = t.publish('room:1', 'never sent').catch((e: unknown) => e);
      await t.close();
      expect(await held).toMatchObject({ code: ErrorCode.PublishFailed });
    });

    it('resubscribes after a reset and confirms it before reporting resubscribed', async () => {
      const t = viaProxy();
      const sink = recordingSink();
      await t.connect(sink);
      await t.subscribe('$node:n1');
      await t.subscribe('room:1');
      // A second listener on the node's own channel sees the confirming round trip.
      const watcher = await adminClient(redis.url);
      const onOwnChannel: string[] = [];
      watcher.on('message', (_: string, data: string) => void onOwnChannel.push(data));
      await watcher.subscribe(`${prefix}$node:n1`);
      proxy.reset();
      await waitFor(() => sink.events.some((e) => e.type === 'resubscribed'), 'resubscribed');
      // `resubscribed` came only after a probe published on the node's own channel came back.
      expect(onOwnChannel.some((d) => d.startsWith('herald-probe:'))).toBe(true);
      watcher.disconnect();
      const types = sink.events.map((e) => e.type);
      expect(types[0]).toBe('connected');
      expect(types).toContain('disconnected');
      expect(types.slice(-2)).toEqual(['connected', 'resubscribed']);
      expect(sink.events.at(-1)).toMatchObject({ channels: 2 });
      expect(await numsub(admin, `${prefix}room:1`)).toBe(1);
      // The probe travelled on the node's own channel and never reached the sink.
      expect(sink.messages).toEqual([]);
      const sender = make();
      await sender.connect(recordingSink());
      await sender.publish('room:1', 'after');
      await waitFor(() => sink.messages.length === 1, 'a message after the reconnect');
    });
  });

  describe('connect', () => {
    it('rejects with CONNECT_FAILED when nothing listens on the port', async () => {
      const unused = await freePort();
      const t = redisTransport({ port: unused, connectTimeoutMs: 1000 });
      const started = Date.now();
      const error = await t.connect(recordingSink()).catch((e: unknown) => e);
      expect(isHeraldError(error) && error.code).toBe(ErrorCode.ConnectFailed);
      expect(Date.now() - started).toBeLessThan(1000 + 200);
      expect(t.status().state).toBe('idle');
    });

    it('rejects within connectTimeoutMs when the server accepts but never answers', async () => {
      const sockets = new Set<import('node:net').Socket>();
      const silent: Server = createServer((s) => void sockets.add(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const address = silent.address();
      const silentPort = typeof address === 'object' && address ? address.port : 0;
      try {
        const t = redisTransport({ port: silentPort, connectTimeoutMs: 600 });
        const started = Date.now();
        const error = await t.connect(recordingSink()).catch((e: unknown) => e);
        const elapsed = Date.now() - started;
        expect(isHeraldError(error) && error.code).toBe(ErrorCode.ConnectFailed);
        expect(String(error)).toContain('not connected within 600 ms');
        expect(elapsed).toBeGreaterThanOrEqual(590);
        expect(elapsed).toBeLessThan(600 + 300);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    });

    it('names the server error when authentication fails', async () => {
      const server = await startRedisServer();
      try {
        const setup = await adminClient(server.url);
        await setup.config('SET', 'requirepass', 'sekret');
        setup.disconnect();
        const wrong = redisTransport({ url: `redis://:wrong@127.0.0.1:${server.port}` });
        const error = await wrong.connect(recordingSink()).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: ErrorCode.ConnectFailed });
        expect(String(error)).toContain('WRONGPASS');
        expect(String(error)).not.toContain('wrong@');
        const right = redisTransport({ url: `redis://:sekret@127.0.0.1:${server.port}` });
        await right.connect(recordingSink());
        expect(right.status().detail?.url).toBe(`redis://127.0.0.1:${server.port}`);
        await right.close();
      } finally {
        await server.stop();
      }
    });

    it('can connect again after a failed connect and a close', async () => {
      const t = make();
      await t.connect(recordingSink());
      await t.close();
      const sink = recordingSink();
      await t.connect(sink);
      expect(t.status().state).toBe('connected');
      expect(sink.events).toEqual([{ type: 'connected' }]);
    });
  });

  describe('options', () => {
    it('reads REDIS_URL, then REDIS_HOST and REDIS_PORT, and never shows a password', () => {
      expect(resolveOptions({}, {}).display).toBe('redis://127.0.0.1:6379');
      expect(resolveOptions({}, { REDIS_HOST: '10.1.2.3', REDIS_PORT: '7001' })).toMatchObject({
        nodes: [{ host: '10.1.2.3', port: 7001 }],
      });
      const fromUrl = resolveOptions({}, { REDIS_URL: 'redis://bob:s3cret@10.0.0.5:6380/2' });
      expect(fromUrl).toMatchObject({
        nodes: [{ host: '10.0.0.5', port: 6380 }],
        base: { username: 'bob', password: 's3cret', db: 2 },
      });
      expect(fromUrl.display).toBe('redis://bob@10.0.0.5:6380/2');
      expect(resolveOptions({ host: 'h' }, { REDIS_URL: 'redis://x:1' }).nodes).toEqual([
        { host: 'h', port: 6379 },
      ]);
      expect(resolveOptions({ url: 'rediss://h' }, {}).base.tls).toEqual({});
    });

    it('connects where the environment points when no options are given', async () => {
      const proxy = await startProxy(port, { targetHost: new URL(redis.url).hostname });
      const saved = {
        url: process.env.REDIS_URL,
        host: process.env.REDIS_HOST,
        port: process.env.REDIS_PORT,
      };
      try {
        delete process.env.REDIS_URL;
        process.env.REDIS_HOST = '127.0.0.1';
        process.env.REDIS_PORT = String(proxy.port);
        const t = redisTransport({ prefix });
        open.push(t);
        expect(t.status().detail?.url).toBe(`redis://127.0.0.1:${proxy.port}`);
        await t.connect(recordingSink());
        expect(proxy.connections).toBe(2);
        process.env.REDIS_URL = `redis://127.0.0.1:${proxy.port}/0`;
        process.env.REDIS_PORT = '1';
        const u = redisTransport({ prefix });
        open.push(u);
        await u.connect(recordingSink());
        expect(proxy.connections).toBe(4);
      } finally {
        for (const [k, v] of [
          ['REDIS_URL', saved.url],
          ['REDIS_HOST', saved.host],
          ['REDIS_PORT', saved.port],
        ] as const) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        await Promise.all(open.splice(0).map((t) => t.close()));
        await proxy.close();
      }
    });

    it('rejects invalid options with CONFIG_INVALID when created', () => {
      for (const bad of [
        { url: 'http://localhost' },
        { url: 'redis://h:6379/x' },
        { offlineBuffer: -1 },
        { heartbeatMs: 0 },
        { port: 70000 },
        { cluster: { nodes: [] } },
      ]) {
        expect(() => redisTransport(bad)).toThrow(
          expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
        );
      }
    });
  });
});
