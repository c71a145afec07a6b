import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../support/ports.js';
import { startProxy, type TcpProxy } from '../support/proxy.js';
import { requireRedis } from '../support/services.js';

const redis = await requireRedis();
const redisPort = redis.ok ? Number(new URL(redis.url).port || 6379) : 0;

/** A raw RESP client: sends PING, collects replies and the way the socket ended. */
function rawClient(port: number) {
  const socket: Socket = connect({ port, host: '127.0.0.1' });
  let received = '';
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('close', () => resolve('close'));
  });
  socket.on('data', (chunk) => (received += chunk.toString()));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return {
    socket,
    connected,
    ended,
    get received() {
      return received;
    },
    ping: () => socket.write('*1\r\n$4\r\nPING\r\n'),
    async waitFor(text: string, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (!received.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms`);
        await sleep(5);
      }
    },
  };
}

describe.skipIf(!redis.ok)('the loopback TCP proxy in front of Redis', () => {
  let proxy: TcpProxy;
  beforeEach(async () => {
    proxy = await startProxy(redisPort);
  });
  afterEach(async () => {
    await proxy.close();
  });

  it('forwards a PING and its PONG and counts the connection', async () => {
    const client = rawClient(proxy.port);
    await client.connected;
    client.ping();
    await client.waitFor('+PONG');
    expect(proxy.connections).toBe(1);
    expect(proxy.active).toBe(1);
    expect(proxy.bytes.up).toBeGreaterThan(0);
    expect(proxy.bytes.down).toBe('+PONG\r\n'.length);
    client.socket.destroy();
  });

  it('drop() closes every client connection gracefully and accepts new ones', async () => {
    const a = rawClient(proxy.port);
    const b = rawClient(proxy.port);
    await Promise.all([a.connected, b.connected]);
    a.ping();
    await a.waitFor('+PONG');
    proxy.drop();
    expect(await a.ended).toBe('close');
    expect(await b.ended).toBe('close');
    expect(proxy.active).toBe(0);
    const c = rawClient(proxy.port);
    await c.connected;
    c.ping();
    await c.waitFor('+PONG');
    expect(proxy.connections).toBe(3);
    c.socket.destroy();
  });

  it('reset() makes the client see ECONNRESET', async () => {
    const client = rawClient(proxy.port);
    await client.connected;
    client.ping();
    await client.waitFor('+PONG');
    proxy.reset();
    expect(await client.ended).toBe('ECONNRESET');
    expect(proxy.active).toBe(0);
  });

  it('blackhole(true) keeps the socket open but moves no byte until it is turned off', async () => {
    const client = rawClient(proxy.port);
    await client.connected;
    proxy.blackhole(true);
    client.ping();
    await sleep(300);
    expect(client.received).toBe('');
    expect(client.socket.destroyed).toBe(false);
    expect(proxy.active).toBe(1);
    proxy.blackhole(false);
    // The first PING was discarded, not delayed: exactly one PONG comes back.
    client.ping();
    await client.waitFor('+PONG');
    await sleep(100);
    expect(client.received).toBe('+PONG\r\n');
    client.socket.destroy();
  });

  it('refuse(true) resets new connections while open ones keep working', async () => {
    const open = rawClient(proxy.port);
    await open.connected;
    proxy.refuse(true);
    const refused = rawClient(proxy.port);
    expect(await refused.ended).toMatch(/ECONNRESET|close/);
    open.ping();
    await open.waitFor('+PONG');
    proxy.refuse(false);
    const again = rawClient(proxy.port);
    await again.connected;
    again.ping();
    await again.waitFor('+PONG');
    open.socket.destroy();
    again.socket.destroy();
  });

  it('close() stops listening and ends every connection', async () => {
    const client = rawClient(proxy.port);
    await client.connected;
    await proxy.close();
    expect(await client.ended).toBe('close');
    const late = rawClient(proxy.port);
    expect(await late.ended).toBe('ECONNREFUSED');
  });
});
