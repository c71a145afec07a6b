/**
 * The gateway on plain node:http: a page receives verified messages with their metadata,
 * publishes through authorization and validation, and is refused clearly (status, JSON body
 * naming the topic and reason, counted).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openSse } from './sse-reader.js';
import { world } from './world.js';

type World = Awaited<ReturnType<typeof world>>;
let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('gateway over node:http', () => {
  it('streams a message published on another node with its event, version, id, node and verifying key', async () => {
    w = await world();
    const page = await openSse(`${w.base}/events?topic=room:1`);
    expect(page.response.status).toBe(200);
    expect(page.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(page.response.headers.get('x-accel-buffering')).toBe('no');
    await page.waitFor((e) => e.event === 'ready');
    const receipt = await w.peer.broadcast('room:1', 'said', { user: 'bob', text: 'hi' });
    const [message] = await page.waitFor((e) => e.event === 'message');
    const data = JSON.parse(message!.data);
    expect(data).toMatchObject({
      topic: 'room:1',
      event: 'said',
      payload: { user: 'bob', text: 'hi' },
      version: 1,
      id: receipt.id,
      node: 'peer-1',
      kid: 'gw-test',
      local: false,
      params: { roomId: '1' },
    });
    expect(typeof data.time).toBe('number');
    expect(message!.id).toMatch(/^[A-Za-z0-9_-]+\.\d+$/);
    page.close();
  });

  it('refuses an unauthorized topic with 403 and a JSON body naming it, and counts it', async () => {
    w = await world({
      authorize: (_r, topic) =>
        topic === 'room:1' ? true : { allow: false, reason: 'not a member' },
    });
    const page = await openSse(`${w.base}/events?topic=room:1&topic=room:2`);
    expect(page.response.status).toBe(403);
    expect(await page.response.json()).toMatchObject({
      error: 'forbidden',
      topic: 'room:2',
      reason: 'not a member',
    });
    expect(w.gateway.stats().refused.forbidden).toBe(1);
    expect(w.gateway.stats().topics).toBe(0);
  });

  it('denies every topic when the application gives no authorize', async () => {
    w = await world({});
    const page = await openSse(`${w.base}/events?topic=room:1`);
    expect(page.response.status).toBe(403);
    expect(await page.response.json()).toMatchObject({ error: 'forbidden', topic: 'room:1' });
  });

  it('refuses an undeclared topic with 404 and a missing topic with 400', async () => {
    w = await world();
    const unknown = await openSse(`${w.base}/events?topic=nope:1`);
    expect(unknown.response.status).toBe(404);
    expect(await unknown.response.json()).toMatchObject({
      error: 'unknown_topic',
      topic: 'nope:1',
    });
    const none = await openSse(`${w.base}/events`);
    expect(none.response.status).toBe(400);
  });

  it('publishes a page message validated and signed by the server', async () => {
    w = await world();
    const seen: unknown[] = [];
    await w.peer.subscribe('room:7', (m) => void seen.push(m.payload));
    const ok = await post(w.base, {
      topic: 'room:7',
      event: 'said',
      payload: { user: 'ann', text: 'yo' },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, topic: 'room:7', event: 'said' });
    await expect.poll(() => seen).toEqual([{ user: 'ann', text: 'yo' }]);
    const bad = await post(w.base, { topic: 'room:7', event: 'said', payload: { user: 1 } });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      error: 'invalid_payload',
      topic: 'room:7',
      event: 'said',
    });
    expect(w.gateway.stats().published).toBe(1);
  });
});
