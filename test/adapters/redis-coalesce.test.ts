/**
 * How a Redis link writes publishes to its socket (src/adapters/redis/link-publish.ts), against
 * the machine's Redis: the first publish of a tick is written at once, alone; the rest of that
 * tick leave together in one write when it ends (the socket is corked meanwhile), each still its
 * own PUBLISH with its own reply, delivered in order. Socket writes are counted on the socket.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLink, type Link, type LinkHooks } from '../../src/adapters/redis/link.js';
import { resolveOptions } from '../../src/adapters/redis/options.js';
import { requireRedis } from '../support/services.js';
import { uniquePrefix, waitFor } from './redis.helpers.js';

const redis = await requireRedis();

/** Socket writes (`_write`: one chunk, `_writev`: several at once) per socket. */
const writes = new Map<Socket, { one: number; many: number; chunks: number }>();
const proto = Socket.prototype as unknown as {
  _write(this: Socket, ...args: unknown[]): unknown;
  _writev(this: Socket, chunks: unknown[], ...rest: unknown[]): unknown;
};
const original = { write: proto._write, writev: proto._writev };
const entry = (socket: Socket) => {
  let e = writes.get(socket);
  if (!e) writes.set(socket, (e = { one: 0, many: 0, chunks: 0 }));
  return e;
};

describe.skipIf(!redis.ok)('redis link writes', () => {
  const received: string[] = [];
  const hooks: LinkHooks = {
    message: (_name, data) => void received.push(Buffer.from(data).toString()),
    patternMessage: () => {},
    down: () => {},
    up: () => {},
    reconnecting: () => {},
    publisherReady: () => {},
    probeChannel: () => ({ name: 'unused', transient: true }),
    beforeResubscribe: async () => {},
    moved: () => {},
  };
  const prefix = uniquePrefix();
  const channel = `${prefix}coalesce`;
  let link: Link;

  beforeAll(async () => {
    proto._write = function (...args) {
      entry(this).one++;
      entry(this).chunks++;
      return original.write.apply(this, args);
    };
    proto._writev = function (chunks, ...rest) {
      entry(this).many++;
      entry(this).chunks += chunks.length;
      return original.writev.apply(this, [chunks, ...rest]);
    };
    // No heartbeat PING lands between the writes these tests count.
    const config = resolveOptions({
      url: redis.url,
      prefix,
      heartbeatMs: 600_000,
      heartbeatTimeoutMs: 600_000,
    });
    link = createLink(config, config.nodes[0]!, false, 'coalesce', hooks);
    await link.start();
    await link.subscribe(channel);
  });
  beforeEach(async () => {
    // Whatever the previous test (or the handshake) wrote and sent is settled first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    writes.clear();
    received.length = 0;
  });
  afterAll(async () => {
    proto._write = original.write;
    proto._writev = original.writev;
    await link?.close();
  });

  /** The socket that wrote the most chunks since the last clear: the publish connection's. */
  const busiest = () => [...writes.values()].sort((a, b) => b.chunks - a.chunks)[0];

  it('writes a publish alone in its tick at once, before the tick ends', async () => {
    const sent = link.publish(channel, 'alone');
    expect(busiest()).toEqual({ one: 1, many: 0, chunks: 1 });
    await sent;
    await waitFor(() => received.length === 1, 'the message');
    expect(received).toEqual(['alone']);
  });

  it('writes the rest of a tick as one write, each publish with its own reply, in order', async () => {
    const data = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const sent = data.map((d) => link.publish(channel, d));
    // The first went out at once; the other 49 wait for the end of the tick.
    expect(busiest()).toEqual({ one: 1, many: 0, chunks: 1 });
    await Promise.all(sent);
    expect(busiest()).toEqual({ one: 1, many: 1, chunks: 50 });
    await waitFor(() => received.length === 50, 'every message');
    expect(received).toEqual(data);
  });

  it('writes a large message (a micro-batch) at once instead of corking for it', async () => {
    const large = 'x'.repeat(8192);
    const sent = [link.publish(channel, 'first'), link.publish(channel, large)];
    expect(busiest()).toEqual({ one: 2, many: 0, chunks: 2 });
    // Small ones after it in the same tick are coalesced again.
    sent.push(link.publish(channel, 'small'), link.publish(channel, 'small again'));
    expect(busiest()).toEqual({ one: 2, many: 0, chunks: 2 });
    await Promise.all(sent);
    expect(busiest()).toEqual({ one: 2, many: 1, chunks: 4 });
    await waitFor(() => received.length === 4, 'the messages');
    expect(received).toEqual(['first', large, 'small', 'small again']);
  });

  it('corks no tick after one: the next tick starts with a write at once again', async () => {
    await Promise.all([link.publish(channel, 'a'), link.publish(channel, 'b')]);
    writes.clear();
    const sent = link.publish(channel, 'c');
    expect(busiest()).toEqual({ one: 1, many: 0, chunks: 1 });
    await sent;
    await waitFor(() => received.length === 3, 'the messages');
    expect(received).toEqual(['a', 'b', 'c']);
  });
});
