/**
 * Every inbound byte is untrusted, and every refusal is a clear status with a JSON body, counted:
 * limits on subscriptions, connections, the request target and the body, JSON depth and
 * `__proto__`, identification, content type, and raw topics.
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

const allow = () => true;
const post = (base: string, body: string, type = 'application/json') =>
  fetch(`${base}/publish`, { method: 'POST', headers: { 'content-type': type }, body });

describe('gateway refusals', () => {
  it('refuses more topics than subscriptionsPerConnection with 429', async () => {
    w = await world({ authorize: allow, limits: { subscriptionsPerConnection: 2 } });
    const page = await openSse(`${w.base}/events?topic=room:1&topic=room:2&topic=room:3`);
    expect(page.response.status).toBe(429);
    expect(await page.response.json()).toMatchObject({ error: 'too_many_subscriptions' });
  });

  it('refuses a connection past connectionsPerIdentity, and admits it again once one closes', async () => {
    w = await world({
      authorize: allow,
      identify: (r) => r.headers.get('x-user') ?? undefined,
      limits: { connectionsPerIdentity: 1 },
    });
    const one = await openSse(`${w.base}/events?topic=room:1`, { 'x-user': 'ann' });
    expect(one.response.status).toBe(200);
    const two = await openSse(`${w.base}/events?topic=room:1`, { 'x-user': 'ann' });
    expect(two.response.status).toBe(429);
    expect(await two.response.json()).toMatchObject({ error: 'too_many_connections' });
    const other = await openSse(`${w.base}/events?topic=room:1`, { 'x-user': 'bob' });
    expect(other.response.status).toBe(200);
    const nobody = await openSse(`${w.base}/events?topic=room:1`);
    expect(nobody.response.status).toBe(401);
    one.close();
    await expect.poll(() => w!.gateway.stats().connections).toBe(1);
    const three = await openSse(`${w.base}/events?topic=room:1`, { 'x-user': 'ann' });
    expect(three.response.status).toBe(200);
    three.close();
    other.close();
    expect(w.gateway.stats().refused).toMatchObject({
      too_many_connections: 1,
      unauthenticated: 1,
    });
  });

  it('refuses a request target over maxUrlBytes with 414', async () => {
    w = await world({ authorize: allow, limits: { maxUrlBytes: 64 } });
    const page = await openSse(`${w.base}/events?topic=room:${'x'.repeat(100)}`);
    expect(page.response.status).toBe(414);
  });

  it('refuses a body over maxBodyBytes with 413, without reading it all', async () => {
    w = await world({ authorize: allow, limits: { maxBodyBytes: 100 } });
    const big = JSON.stringify({
      topic: 'room:1',
      event: 'said',
      payload: { user: 'a', text: 'x'.repeat(200) },
    });
    const answer = await post(w.base, big);
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatchObject({ error: 'body_too_large' });
  });

  it('refuses JSON deeper than maxDepth, a __proto__ key, malformed JSON and a non-JSON content type', async () => {
    w = await world({ authorize: allow, limits: { maxDepth: 4 } });
    const deep = `{"topic":"room:1","event":"said","payload":${'['.repeat(10)}${']'.repeat(10)}}`;
    expect((await post(w.base, deep)).status).toBe(400);
    const proto = '{"topic":"room:1","event":"said","payload":{"__proto__":{"admin":true}}}';
    const refused = await post(w.base, proto);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toContain('__proto__');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect((await post(w.base, '{"topic":')).status).toBe(400);
    expect((await post(w.base, '{}', 'text/plain')).status).toBe(415);
    expect(w.gateway.stats().refused).toMatchObject({ bad_request: 3, unsupported_media_type: 1 });
  });

  it('refuses page publishes on a raw topic, and publishes the application did not authorize', async () => {
    w = await world({ authorize: (_r, _t, _p, action) => action === 'subscribe' });
    const raw = await post(w.base, JSON.stringify({ topic: 'firehose', event: 'x', payload: {} }));
    expect(raw.status).toBe(403);
    expect(await raw.json()).toMatchObject({ error: 'forbidden', topic: 'firehose' });
    const denied = await post(
      w.base,
      JSON.stringify({ topic: 'room:1', event: 'said', payload: { user: 'a', text: 'b' } }),
    );
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: 'forbidden', topic: 'room:1' });
  });

  it('answers 404 for other paths and 405 for a wrong method, and survives garbage bytes', async () => {
    w = await world({ authorize: allow });
    expect((await fetch(`${w.base}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${w.base}/events?topic=room:1`, { method: 'POST' })).status).toBe(405);
    expect((await post(w.base, '\xff\xfe garbage')).status).toBe(400);
    const bytes = await fetch(`${w.base}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array([0xc3, 0x28, 0xff]),
    });
    expect(bytes.status).toBe(400);
    const page = await openSse(`${w.base}/events?topic=room:1`);
    expect(page.response.status).toBe(200);
    page.close();
  });
});
