/**
 * Resume: a page that reconnects with Last-Event-ID gets every message it missed from the
 * topic's resume ring, or a gap when the ring no longer reaches back — never silence.
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

const said = (n: number) => ({ user: 'bob', text: `m${n}` });
const texts = (events: { event: string; data: string }[]) =>
  events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).payload.text);

describe('gateway resume', () => {
  it('replays the messages a reconnecting page missed, after its Last-Event-ID, in the order of each topic', async () => {
    w = await world();
    const first = await openSse(`${w.base}/events?topic=room:1&topic=room:2`);
    await w.peer.broadcast('room:1', 'said', said(1));
    const [m1] = await first.waitFor((e) => e.event === 'message');
    first.close();
    await expect.poll(() => w!.gateway.stats().connections).toBe(0);
    for (let i = 2; i <= 4; i++)
      await w.peer.broadcast(i % 2 ? 'room:1' : 'room:2', 'said', said(i));
    await expect.poll(() => w!.gateway.stats().delivered).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 50));
    const again = await openSse(`${w.base}/events?topic=room:1&topic=room:2`, {
      'last-event-id': m1!.id!,
    });
    await again.waitFor((e) => e.event === 'ready');
    const replayed = again.events
      .filter((e) => e.event === 'message')
      .map((e) => JSON.parse(e.data));
    const of = (topic: string) =>
      replayed.filter((m) => m.topic === topic).map((m) => m.payload.text);
    expect(of('room:1')).toEqual(['m3']);
    expect(of('room:2')).toEqual(['m2', 'm4']);
    // Replayed in the order the gateway numbered them: the ids only grow.
    const seqs = again.events
      .filter((e) => e.event === 'message')
      .map((e) => Number(e.id!.split('.')[1]));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(again.events.some((e) => e.event === 'gap')).toBe(false);
    expect(w.gateway.stats().replayed).toBe(3);
    again.close();
  });

  it('resumes from the ready event when the page had received no message yet', async () => {
    w = await world();
    const first = await openSse(`${w.base}/events?topic=room:1`);
    const [ready] = await first.waitFor((e) => e.event === 'ready');
    first.close();
    await expect.poll(() => w!.gateway.stats().connections).toBe(0);
    await w.peer.broadcast('room:1', 'said', said(1));
    await new Promise((r) => setTimeout(r, 50));
    const again = await openSse(`${w.base}/events?topic=room:1`, { 'last-event-id': ready!.id! });
    await again.waitFor((e) => e.event === 'ready');
    expect(texts(again.events)).toEqual(['m1']);
    again.close();
  });

  it('sends a gap when the ring no longer reaches the Last-Event-ID', async () => {
    w = await world({ authorize: () => true, limits: { resumeBuffer: 2 } });
    const first = await openSse(`${w.base}/events?topic=room:1`);
    const [ready] = await first.waitFor((e) => e.event === 'ready');
    first.close();
    await expect.poll(() => w!.gateway.stats().connections).toBe(0);
    for (let i = 1; i <= 3; i++) await w.peer.broadcast('room:1', 'said', said(i));
    await new Promise((r) => setTimeout(r, 50));
    const again = await openSse(`${w.base}/events?topic=room:1`, { 'last-event-id': ready!.id! });
    await again.waitFor((e) => e.event === 'ready');
    const gap = again.events.find((e) => e.event === 'gap');
    expect(JSON.parse(gap!.data)).toEqual({ topic: 'room:1', reason: 'resume' });
    expect(w.gateway.stats().gaps.resume).toBe(1);
    again.close();
  });

  it('sends a gap for an id of another gateway, and none for a topic the page marks fresh', async () => {
    w = await world();
    const page = await openSse(`${w.base}/events?topic=room:1&topic=room:2&fresh=room:2`, {
      'last-event-id': 'someone-else.12',
    });
    await page.waitFor((e) => e.event === 'ready');
    const gaps = page.events.filter((e) => e.event === 'gap').map((e) => JSON.parse(e.data).topic);
    expect(gaps).toEqual(['room:1']);
    page.close();
  });
});
