/**
 * Fault tests of the NATS transport, on a private nats-server on this project's NATS ports
 * (never the shared one): kill -9 and restart during a stream, a blackholed (half-open)
 * connection through the loopback proxy, and a fallback list whose NATS is down.
 *
 * Every message is counted by its per-publisher sequence number and must end as delivered,
 * rejected at publish, or inside a gap the bus signalled: zero silent drops.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import type { NatsTransportOptions } from '../../src/adapters/nats/options.js';
import { createBus } from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { testRegistry } from '../../src/testing/registry.js';
import { waitFor } from '../adapters/redis.helpers.js';
import { keys, registry } from '../fixtures/registry.js';
import { type NatsServer, natsPort, startNatsServer } from '../support/nats-server.js';
import { sleep } from '../support/ports.js';
import { startProxy, type TcpProxy } from '../support/proxy.js';
import { type Harness, harness, streamThrough } from './redis.harness.js';

/** A subscriber on `subUrl` and one publisher per `pubUrls` entry, all under one fresh prefix. */
function start(subUrl: string, pubUrls: readonly string[], extra: NatsTransportOptions = {}) {
  const prefix = `hfault.${randomBytes(4).toString('hex')}`;
  const make = (url: string) => natsTransport({ url, prefix, connectTimeoutMs: 3000, ...extra });
  return harness(make(subUrl), pubUrls.map(make));
}

describe('nats transport under faults', () => {
  let server: NatsServer;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('accounts for every message when NATS is killed and restarted during a stream', async () => {
    const h = await start(server.url, [server.url]);
    harnesses.push(h);
    let restartedAt = 0;
    const books = await streamThrough(h, async () => {
      await server.kill('SIGKILL');
      await sleep(500);
      await server.restart();
      restartedAt = Date.now();
    });
    const resub = h.events.find((e) => e.type === 'resubscribed');
    expect(resub).toBeDefined();
    console.log(
      `nats resubscribe after kill: ${(resub?.detail as { ms?: number } | undefined)?.ms} ms from the disconnect, ${(resub?.at ?? 0) - restartedAt} ms after the server was back`,
      books,
    );
    for (const b of books) {
      expect(b.silent).toEqual([]);
      expect(b.rejected + b.inGap).toBeGreaterThan(0);
    }
    expect(h.gaps).toHaveLength(1);
    expect(h.events.map((e) => e.type)).toContain('reconnecting');
    const down = h.events.find((e) => e.type === 'disconnected');
    // The gap starts when the connection was last known to work, before the disconnect.
    expect(h.gaps[0]?.from).toBeLessThan(down?.at ?? 0);
  }, 60_000);

  it('keeps a template subscription across a server restart (resubscribed, counted)', async () => {
    const prefix = `hfault.${randomBytes(4).toString('hex')}`;
    const make = () => natsTransport({ url: server.url, prefix, connectTimeoutMs: 3000 });
    const [sub, pub] = ['tpl-sub', 'tpl-pub'].map((nodeId) =>
      createBus({
        registry: testRegistry,
        keys: testKeys(),
        nodeId,
        transport: make(),
        log: false,
      }),
    );
    const resubscribed: number[] = [];
    sub!.on('resubscribed', (e) => resubscribed.push(e.channels));
    await sub!.start();
    await pub!.start();
    try {
      const seen: string[] = [];
      await sub!.subscribe('herald-test-feed:{run}:{item}', (m) => {
        if (m.event === 'posted') seen.push(`${m.params.item}:${m.payload.n}`);
      });
      expect(sub!.transport().channels).toBeGreaterThanOrEqual(2); // its own channel + the template
      const post = (item: string, n: number) =>
        pub!.broadcast(`herald-test-feed:r1:${item}`, 'posted', { n, from: 'pub', text: 't' });
      await post('a', 1);
      await waitFor(() => seen.length === 1, 'the first message');
      await server.kill('SIGKILL');
      await sleep(300);
      await server.restart();
      await waitFor(() => resubscribed.length > 0, 'resubscribed', 20_000);
      await waitFor(() => pub!.transport().state === 'connected', 'publisher back', 20_000);
      await post('b', 2);
      await waitFor(() => seen.length === 2, 'the message after the restart');
      expect(seen).toEqual(['a:1', 'b:2']);
      expect(resubscribed[0]).toBe(sub!.transport().channels);
      expect(sub!.stats().rejectedTotal).toBe(0);
    } finally {
      await Promise.all([sub!.stop(), pub!.stop()]);
    }
  }, 60_000);

  describe('through a proxy', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startProxy(server.port);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it('detects a blackholed connection by heartbeat and accounts for every message', async () => {
      const viaProxy = `nats://127.0.0.1:${proxy.port}`;
      // pub0 publishes directly, pub1 through the blackholed proxy (its publishes must reject).
      const h = await start(viaProxy, [server.url, viaProxy], {
        heartbeatMs: 500,
        heartbeatTimeoutMs: 1500,
      });
      harnesses.push(h);
      let blackholedAt = 0;
      const books = await streamThrough(h, async () => {
        blackholedAt = Date.now();
        proxy.blackhole(true);
        await waitFor(() => h.sub.transport().state === 'reconnecting', 'the heartbeat', 10_000);
        await sleep(1500);
        proxy.blackhole(false);
      });
      const down = h.events.find((e) => e.type === 'disconnected');
      const detectMs = (down?.at ?? 0) - blackholedAt;
      console.log(`nats half-open detected after ${detectMs} ms`, books);
      expect(detectMs).toBeLessThanOrEqual(500 + 1500 + 500);
      for (const b of books) expect(b.silent).toEqual([]);
      expect(h.gaps[0]?.from).toBeLessThanOrEqual(blackholedAt);
    }, 60_000);
  });

  it('takes part in a fallback list: a dead NATS falls back to the next transport', async () => {
    const dead = `nats://127.0.0.1:${await natsPort()}`;
    const bus = createBus({
      registry,
      keys,
      transport: ['nats', 'local'],
      transportOptions: { nats: { url: dead, connectTimeoutMs: 500 } },
    });
    await bus.start();
    try {
      expect(bus.transport().name).toBe('local');
    } finally {
      await bus.stop();
    }
  }, 20_000);
});
