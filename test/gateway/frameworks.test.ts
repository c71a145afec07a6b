/**
 * The two faces beyond plain HTTP/1.1 node:http: the Fetch handler mounted in Hono (served by
 * @hono/node-server), and the node handler on node:http2 (h2c), where connection headers are
 * forbidden (RFC 9113 §8.2.2).
 */
import { connect, createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse } from './sse-reader.js';
import { world } from './world.js';

type World = Awaited<ReturnType<typeof world>>;
let w: World | undefined;
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await w?.close();
  w = undefined;
});

describe('gateway in frameworks', () => {
  it('streams and publishes through Hono with the Fetch handler under a base path', async () => {
    w = await world({ authorize: () => true, basePath: '/herald' });
    const gateway = w.gateway;
    const app = new Hono();
    app.get('/', (c) => c.text('home'));
    app.all('/herald/*', (c) => gateway.fetch(c.req.raw));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const page = await openSse(`${base}/herald/events?topic=room:9`);
    expect(page.response.status).toBe(200);
    await page.waitFor((e) => e.event === 'ready');
    const answer = await fetch(`${base}/herald/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        topic: 'room:9',
        event: 'said',
        payload: { user: 'h', text: 'via hono' },
      }),
    });
    expect(answer.status).toBe(200);
    const [message] = await page.waitFor((e) => e.event === 'message');
    expect(JSON.parse(message!.data)).toMatchObject({
      topic: 'room:9',
      payload: { text: 'via hono' },
      local: true,
    });
    expect((await fetch(`${base}/`)).status).toBe(200);
    page.close();
    await expect.poll(() => gateway.stats().connections).toBe(0);
  });

  it('streams over HTTP/2 without connection headers', async () => {
    w = await world({ authorize: () => true });
    const server = createServer(w.gateway.node);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    closers.push(
      () => void session.close(),
      () => new Promise<void>((r) => server.close(() => r())),
    );
    const request = session.request({ ':path': '/events?topic=room:2' });
    const headers = await new Promise<Record<string, unknown>>((r) => request.once('response', r));
    expect(headers[':status']).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers.connection).toBeUndefined();
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    await expect.poll(() => text).toContain('event: ready');
    await w.peer.broadcast('room:2', 'said', { user: 'p', text: 'over h2' });
    await expect.poll(() => text).toContain('"over h2"');
    request.close();
    await expect.poll(() => w!.gateway.stats().connections).toBe(0);
  });
});
