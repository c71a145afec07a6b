import { afterEach, describe, expect, it } from 'vitest';
import {
  type Bus,
  ConfigError,
  ConnectionState,
  createBus,
  createLocalHub,
  ErrorCode,
  resolveTransport,
  type Transport,
  TransportError,
  type TransportSink,
} from '../../src/index.js';
import { createCodec, createKeyRing } from '../../src/internal.js';
import { keys, registry, settle } from '../fixtures/registry.js';

/** A transport whose server is "down": connect fails at once, or never answers. */
function deadTransport(name: string, mode: 'refuse' | 'hang'): Transport {
  return {
    name,
    connect: () =>
      mode === 'refuse'
        ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:1'))
        : new Promise(() => undefined),
    publish: () => Promise.reject(new Error('down')),
    subscribe: async () => undefined,
    unsubscribe: async () => undefined,
    close: async () => undefined,
    status: () => ({ name, state: ConnectionState.Closed, since: 0, channels: 0 }),
  };
}

const buses: Bus<typeof registry.defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

describe('fallback chain', () => {
  it('uses the first candidate that connects, within the connect timeout, and reports the fallback', async () => {
    const hub = createLocalHub();
    const started = Date.now();
    const a = createBus({
      registry,
      keys,
      nodeId: 'a',
      transport: [
        deadTransport('refuser', 'refuse'),
        deadTransport('hanger', 'hang'),
        hub.transport(),
      ],
      transportOptions: { connectTimeoutMs: 200 },
    });
    const b = createBus({ registry, keys, nodeId: 'b', transport: hub.transport() });
    buses.push(a, b);
    await Promise.all([a.start(), b.start()]);
    expect(Date.now() - started).toBeLessThan(1500);
    const status = a.transport();
    expect(status.name).toBe('local');
    expect(status.state).toBe('connected');
    expect(status.detail).toMatchObject({ chain: 'refuser>hanger>local', degraded: true });
    const got: unknown[] = [];
    await b.subscribe('room:1', (m) => void got.push(m.payload));
    const receipt = await a.broadcast('room:1', 'message', { text: 'via fallback', n: 1 });
    expect(receipt).toMatchObject({ transport: 'local', degraded: true, sent: true });
    await settle();
    expect(got).toEqual([{ text: 'via fallback', n: 1 }]);
  });

  it('is remote exactly when its active member is, so the bus batches by default only then', async () => {
    const hub = createLocalHub();
    const remoteMember: Transport = { ...hub.transport(), name: 'net', remote: true };
    const wrapped = hub.transport();
    const network = resolveTransport([remoteMember]);
    const fallback = resolveTransport([deadTransport('down', 'refuse'), wrapped], {
      connectTimeoutMs: 100,
    });
    expect(network.remote).toBe(false);
    await network.connect({ message: () => undefined, event: () => undefined });
    await fallback.connect({ message: () => undefined, event: () => undefined });
    expect(network.remote).toBe(true);
    expect(fallback.remote).toBe(false);
    await Promise.all([network.close(), fallback.close()]);
  });

  it('fails to start with every candidate’s reason when none connects', async () => {
    const bus = createBus({
      registry,
      keys,
      transport: [deadTransport('one', 'refuse'), deadTransport('two', 'hang')],
      transportOptions: { connectTimeoutMs: 100 },
    });
    const error = await bus.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe(ErrorCode.ConnectFailed);
    expect((error as TransportError).message).toMatch(
      /one \(ECONNREFUSED.*\); two \(two did not connect within 100 ms\)/,
    );
  });

  it('HERALD_TRANSPORT forces one transport by name', () => {
    const t = resolveTransport('auto', { env: { HERALD_TRANSPORT: 'local' } });
    expect(t.name).toBe('local');
    expect(() => resolveTransport('auto', { env: { HERALD_TRANSPORT: 'kafka' } })).toThrow(
      ConfigError,
    );
    expect(() => resolveTransport(['nope' as 'local'], { env: {} })).toThrow(
      /unknown transport "nope"/,
    );
  });

  it("'auto' tries redis, then postgres, then nats, then local", () => {
    const t = resolveTransport('auto', { env: {} });
    expect(t.name).toBe('redis>postgres>nats>local');
  });

  it('a plain local bus is not degraded', async () => {
    const bus = createBus({ registry, keys, transport: 'local' });
    buses.push(bus);
    await bus.start();
    await bus.subscribe('room:1', () => undefined);
    const receipt = await bus.broadcast('room:1', 'message', { text: 'x', n: 1 });
    expect(receipt).toMatchObject({ transport: 'local', degraded: false });
  });
});

/**
 * A member whose server the test takes down and up: it carries messages over an in-process hub
 * and reports `disconnected` / `connected` + `resubscribed` as a real adapter does.
 */
function flappyTransport(hub: ReturnType<typeof createLocalHub>) {
  const inner = hub.transport();
  let sink: TransportSink | undefined;
  let state: ConnectionState = ConnectionState.Idle;
  const transport: Transport = {
    name: 'flappy',
    async connect(s) {
      sink = s;
      await inner.connect(s);
      state = ConnectionState.Connected;
    },
    publish: (channel, data) =>
      state === ConnectionState.Connected
        ? inner.publish(channel, data)
        : Promise.reject(new Error('flappy is down')),
    subscribe: (channel) => inner.subscribe(channel),
    unsubscribe: (channel) => inner.unsubscribe(channel),
    async close() {
      state = ConnectionState.Closed;
      await inner.close();
    },
    status: () => ({ ...inner.status(), name: 'flappy', state }),
  };
  return {
    transport,
    down() {
      state = ConnectionState.Reconnecting;
      sink?.event({ type: 'disconnected', reason: 'flapped' });
    },
    up() {
      state = ConnectionState.Connected;
      sink?.event({ type: 'connected' });
      sink?.event({ type: 'resubscribed', channels: 1, ms: 1 });
    },
  };
}

describe('failover hysteresis', () => {
  it('does not fail back while the preferred member flaps, and does once it stayed up for failbackAfterMs', async () => {
    const hub = createLocalHub();
    const flappy = flappyTransport(hub);
    const failbackAfterMs = 400;
    const bus = createBus({
      registry,
      keys,
      nodeId: 'a',
      transport: [flappy.transport, hub.transport()],
      transportOptions: { failover: { failbackAfterMs, retryMs: 25 } },
    });
    buses.push(bus);
    const switches: { to: string; at: number }[] = [];
    bus.on('failover', (f) => switches.push({ to: f.to, at: Date.now() }));
    await bus.start();
    expect(bus.transport().name).toBe('flappy');

    flappy.down();
    expect(switches.map((s) => s.to)).toEqual(['local']);
    // Flap every 100 ms for 1.2 s: never healthy for 400 ms in a row, so no switch back.
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      flappy.up();
      await sleep(100);
      flappy.down();
    }
    expect(switches.map((s) => s.to)).toEqual(['local']);
    expect(bus.transport()).toMatchObject({ name: 'local', detail: { degraded: true } });

    const recovered = Date.now();
    flappy.up();
    await waitUntil(() => switches.length === 2, 3000);
    expect(switches.map((s) => s.to)).toEqual(['local', 'flappy']);
    expect(switches[1]!.at - recovered).toBeGreaterThanOrEqual(failbackAfterMs);
    expect(switches[1]!.at - recovered).toBeLessThan(failbackAfterMs + 500);
    expect(bus.transport()).toMatchObject({ name: 'flappy', detail: { degraded: false } });
  });
});

describe('failback timing', () => {
  it('fails back failbackAfterMs after the preferred member is healthy, not at the next retry', async () => {
    const hub = createLocalHub();
    const flappy = flappyTransport(hub);
    const failbackAfterMs = 300;
    const bus = createBus({
      registry,
      keys,
      nodeId: 'a',
      transport: [flappy.transport, hub.transport()],
      // A retry period far longer than the hysteresis: the failback must not wait for it.
      transportOptions: { failover: { failbackAfterMs, retryMs: 10_000 } },
    });
    buses.push(bus);
    const switches: { to: string; at: number }[] = [];
    bus.on('failover', (f) => switches.push({ to: f.to, at: Date.now() }));
    await bus.start();
    flappy.down();
    await sleep(50);
    const recovered = Date.now();
    flappy.up();
    await waitUntil(() => switches.length === 2, 3000);
    expect(switches.map((s) => s.to)).toEqual(['local', 'flappy']);
    expect(switches[1]!.at - recovered).toBeGreaterThanOrEqual(failbackAfterMs);
    expect(switches[1]!.at - recovered).toBeLessThan(failbackAfterMs + 250);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

describe('reorder window with failover', () => {
  /** A message of `seq` from a foreign publisher, signed with the shared key, straight onto the hub. */
  async function lateArrival(failover: boolean): Promise<{ delivered: number[]; replays: number }> {
    const hub = createLocalHub();
    const bus = createBus({
      registry,
      keys,
      nodeId: 'b',
      transport: [hub.transport()],
      transportOptions: failover ? { failover: { retryMs: 60_000 } } : {},
    });
    buses.push(bus);
    await bus.start();
    const delivered: number[] = [];
    await bus.subscribe('room:1', (m) => void delivered.push(m.meta.seq));
    const codec = createCodec(createKeyRing(keys), 'a');
    const sender = hub.transport();
    await sender.connect({ message: () => undefined, event: () => undefined });
    const send = (seq: number) =>
      sender.publish(
        'room:1',
        codec.encode({
          epoch: 'e1',
          seq,
          time: Date.now(),
          topic: 'room:1',
          event: 'message',
          version: 1,
          data: { text: 'x', n: seq },
        }),
      );
    // The newest message came through the fast transport; one 5,000 numbers older arrives late.
    await send(6000);
    await send(1000);
    await settle();
    await sender.close();
    return { delivered, replays: bus.stats().rejected.replay };
  }

  it('accepts a message 5,000 numbers late after a failback, where the default window refuses it', async () => {
    expect(await lateArrival(false)).toEqual({ delivered: [6000], replays: 1 });
    expect(await lateArrival(true)).toEqual({ delivered: [6000, 1000], replays: 0 });
  });
});
