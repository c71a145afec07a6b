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
} from '../../src/index.js';
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

  it("'auto' tries redis, then postgres, then local", () => {
    const t = resolveTransport('auto', { env: {} });
    expect(t.name).toBe('redis>postgres>local');
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
