/**
 * The NATS transport's publish path (src/adapters/nats/outbox.ts): the publishes of one tick,
 * micro-batched ones included, leave in one socket write; what was published before `close()`
 * still goes out; a message over the server's `max_payload` is refused at publish.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import type { Transport, TransportSink } from '../../src/adapters/transport.js';
import { requireNats } from '../support/nats-server.js';
import { waitFor } from './redis.helpers.js';

const nats = await requireNats();
const url = nats.ok ? nats.url : '';

const sink = (received: string[] = []): TransportSink => ({
  message: (_channel, data) =>
    void received.push(typeof data === 'string' ? data : Buffer.from(data).toString()),
  event: () => undefined,
});

describe.skipIf(!nats.ok)('nats transport publish', () => {
  const open: Transport[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  const transport = async (prefix: string, received?: string[]): Promise<Transport> => {
    // No heartbeat PING during the test: every write counted is a publish.
    const t = natsTransport({ url, prefix, heartbeatMs: 600_000, heartbeatTimeoutMs: 900_000 });
    open.push(t);
    await t.connect(sink(received));
    return t;
  };

  it('sends a tick’s publishes, and those of its microtasks (a batch), in one socket write', async () => {
    const prefix = `hpub.${process.pid}.w`;
    const received: string[] = [];
    const rx = await transport(prefix, received);
    await rx.subscribe('room:w');
    const tx = await transport(prefix);
    const write = vi.spyOn(net.Socket.prototype, 'write');
    const sent = [tx.publish('room:w', 'a'), tx.publish('room:w', 'b')];
    // The bus's batch of the same tick is handed over in a microtask queued after the first.
    await new Promise<void>((resolve) =>
      queueMicrotask(() => {
        sent.push(tx.publish('room:w', 'c'));
        resolve();
      }),
    );
    await Promise.all(sent);
    await new Promise((resolve) => setImmediate(resolve));
    const writes = write.mock.calls.length;
    write.mockRestore();
    await waitFor(() => received.length === 3, 'three messages', 5000);
    expect(received).toEqual(['a', 'b', 'c']);
    expect(writes).toBe(1);
  });

  it('sends what was published before close()', async () => {
    const prefix = `hpub.${process.pid}.c`;
    const received: string[] = [];
    const rx = await transport(prefix, received);
    await rx.subscribe('room:c');
    const tx = await transport(prefix);
    const sent = tx.publish('room:c', 'last');
    await tx.close();
    await sent;
    await waitFor(() => received.length === 1, 'the message published before close', 5000);
    expect(received).toEqual(['last']);
    await expect(tx.publish('room:c', 'after')).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
  });

  it('refuses a message over the server’s max_payload at publish, naming the limit', async () => {
    const tx = await transport(`hpub.${process.pid}.m`);
    const max = tx.batchBytes ?? 0;
    expect(max).toBeGreaterThan(0);
    const error = await tx.publish('room:m', 'x'.repeat(max + 1)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PUBLISH_FAILED', transport: 'nats' });
    expect(String((error as Error).message)).toContain('max_payload');
  });
});
