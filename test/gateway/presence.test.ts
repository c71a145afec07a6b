/**
 * Presence of pages: a connection is tracked with app-chosen metadata while its stream is open
 * (on this instance's node), and a page can watch a presence topic live.
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

describe('gateway presence', () => {
  it('tracks a page while its stream is open, visible on every node and in a watching page', async () => {
    w = await world({
      authorize: () => true,
      identify: (r) => r.headers.get('x-user') ?? undefined,
      presence: (_r, c) =>
        c.topics.includes('room:lobby')
          ? { topic: 'room:lobby', key: c.identity, meta: { name: c.identity.toUpperCase() } }
          : undefined,
    });
    const watcher = await openSse(`${w.base}/events?presence=room:lobby`, { 'x-user': 'zed' });
    const [state] = await watcher.waitFor((e) => e.event === 'presence');
    expect(JSON.parse(state!.data)).toEqual({
      topic: 'room:lobby',
      event: 'presence_state',
      payload: {},
    });
    const ann = await openSse(`${w.base}/events?topic=room:lobby`, { 'x-user': 'ann' });
    await expect
      .poll(async () => Object.keys(await w!.peer.presence.list('room:lobby')))
      .toEqual(['ann']);
    const listing = await w.peer.presence.list('room:lobby');
    expect(listing.ann!.metas[0]).toMatchObject({ meta: { name: 'ANN' }, node: 'app-1' });
    const [, join] = await watcher.waitFor((e) => e.event === 'presence', 2);
    expect(JSON.parse(join!.data)).toMatchObject({
      event: 'presence_diff',
      payload: { joins: { ann: {} }, leaves: {} },
    });
    ann.close();
    await expect
      .poll(async () => Object.keys(await w!.peer.presence.list('room:lobby')))
      .toEqual([]);
    const [, , leave] = await watcher.waitFor((e) => e.event === 'presence', 3);
    expect(JSON.parse(leave!.data)).toMatchObject({
      event: 'presence_diff',
      payload: { joins: {}, leaves: { ann: {} } },
    });
    watcher.close();
  });

  it('tells the page when its presence meta is refused, and refuses watching a topic without presence', async () => {
    w = await world({
      authorize: () => true,
      presence: () => ({ topic: 'room:lobby', key: 'x', meta: { name: 42 } }),
    });
    const page = await openSse(`${w.base}/events?topic=room:lobby`);
    const [error] = await page.waitFor((e) => e.event === 'presence_error');
    expect(JSON.parse(error!.data)).toMatchObject({ code: 'INVALID_PAYLOAD' });
    page.close();
    const none = await openSse(`${w.base}/events?presence=firehose`);
    expect(none.response.status).toBe(404);
    expect(await none.response.json()).toMatchObject({ error: 'unknown_topic', topic: 'firehose' });
  });
});
