/**
 * A slow page never stalls the bus: its connection queues a bounded number of events, then drops
 * them for one `gap` per topic, sent when the page reads again. Another page on the same topic
 * receives everything. Driven through the Fetch handler, where the test decides when the page reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { world } from './world.js';

type World = Awaited<ReturnType<typeof world>>;
let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: end } = await reader.read();
    if (end) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

describe('gateway backpressure', () => {
  it('gives a page that does not read a gap instead of a backlog, and keeps the other pages whole', async () => {
    w = await world({ authorize: () => true, limits: { queue: 4 } });
    const slow = await w.gateway.fetch(new Request(`${w.base}/events?topic=room:1`));
    const fast = await w.gateway.fetch(new Request(`${w.base}/events?topic=room:1`));
    expect(slow.status).toBe(200);
    const fastText = readUntil(fast.body!, (t) => t.includes('"m99"'));
    for (let i = 0; i < 100; i++) {
      await w.app.broadcast('room:1', 'said', { user: 'bob', text: `m${i}` });
    }
    const all = await fastText;
    expect(all.match(/"event":"said"/g)).toHaveLength(100);
    const slowText = await readUntil(slow.body!, (t) => t.includes('event: gap'));
    const gap = slowText.split('\n\n').find((frame) => frame.startsWith('event: gap'))!;
    expect(JSON.parse(gap.split('data: ')[1]!)).toEqual({ topic: 'room:1', reason: 'overflow' });
    // At most the stream's own buffer plus the queue reached the slow page before the gap.
    expect(slowText.match(/"event":"said"/g)!.length).toBeLessThan(40);
    expect(w.gateway.stats().gaps.overflow).toBe(1);
    await slow.body!.cancel();
    await fast.body!.cancel();
    await expect.poll(() => w!.gateway.stats().connections).toBe(0);
  });
});
