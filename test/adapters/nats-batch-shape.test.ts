/**
 * What a burst of publishes becomes on NATS with the bus's default settings (micro-batching, on
 * over a remote transport; docs/wire-format.md §3a): the first publish of the tick alone, the rest
 * as batch envelopes of at most `maxMessages` (100) messages, one NATS message each. The bench's
 * `nats-1to1` sends 256 per tick: 4 NATS messages (1 + 100 + 100 + 55) where raw nats.js sends
 * 256. A probe transport under the same prefix counts the NATS messages that cross the server.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import type { Transport } from '../../src/adapters/transport.js';
import { type Bus, createBus } from '../../src/index.js';
import { keys, registry } from '../fixtures/registry.js';
import { requireNats } from '../support/nats-server.js';
import { waitFor } from './redis.helpers.js';

const nats = await requireNats();
const url = nats.ok ? nats.url : '';

describe.skipIf(!nats.ok)('nats transport: the NATS messages of a burst', () => {
  const buses: Bus<typeof registry.defs>[] = [];
  const probes: Transport[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop()));
    await Promise.all(probes.splice(0).map((p) => p.close()));
  });

  /** A publisher bus, a subscriber bus and a probe counting the NATS messages on `room:1`. */
  async function setup(options: { batching?: boolean } = {}) {
    const prefix = `hshape.${randomBytes(4).toString('hex')}`;
    const make = (batching?: boolean) =>
      createBus({
        registry,
        keys,
        transport: natsTransport({ url, prefix }),
        ...(batching === undefined ? {} : { batching }),
      });
    const publisher = make(options.batching);
    const subscriber = make();
    buses.push(publisher, subscriber);
    const handled: number[] = [];
    const bodies: number[] = [];
    const probe = natsTransport({ url, prefix });
    probes.push(probe);
    await probe.connect({
      message: (_channel, data) => void bodies.push(data.length),
      event: () => undefined,
    });
    await probe.subscribe('room:1');
    await publisher.start();
    await subscriber.start();
    await subscriber.subscribe('room:1', (m) => {
      if (m.event === 'message') handled.push((m.payload as { n: number }).n);
    });
    return { publisher, handled, bodies };
  }

  const burst = (bus: Bus<typeof registry.defs>, from: number, count: number) =>
    Array.from({ length: count }, (_, i) =>
      bus.broadcast('room:1', 'message', { text: 'x'.repeat(200), n: from + i }),
    );

  it('sends a tick of 256 publishes as 4 NATS messages: 1 alone, then 100, 100 and 55 in batches', async () => {
    const { publisher, handled, bodies } = await setup();
    await Promise.all(burst(publisher, 0, 256));
    await waitFor(() => handled.length === 256, 'every message handled', 5000);
    await waitFor(() => bodies.length >= 4, 'the NATS messages at the probe', 5000);
    expect(handled).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(bodies).toHaveLength(4);
    // Bytes follow the messages carried: two batches of 100 alike, the last of 55 about 0.55 of
    // one, the lone message a small fraction (its own header and signature).
    const [alone, full, second, last] = bodies as [number, number, number, number];
    expect(Math.abs(second / full - 1)).toBeLessThan(0.02);
    expect(last / full).toBeGreaterThan(0.5);
    expect(last / full).toBeLessThan(0.6);
    expect(alone / full).toBeLessThan(0.03);
  });

  it('sends each publish as its own NATS message with batching: false', async () => {
    const { publisher, handled, bodies } = await setup({ batching: false });
    await Promise.all(burst(publisher, 0, 20));
    await waitFor(() => handled.length === 20, 'every message handled', 5000);
    await waitFor(() => bodies.length >= 20, 'the NATS messages at the probe', 5000);
    expect(bodies).toHaveLength(20);
  });

  it('sends a publish alone in its tick at once, as one NATS message', async () => {
    const { publisher, handled, bodies } = await setup();
    for (let i = 0; i < 3; i++) await publisher.broadcast('room:1', 'message', { text: 'a', n: i });
    await waitFor(() => handled.length === 3, 'every message handled', 5000);
    await waitFor(() => bodies.length >= 3, 'the NATS messages at the probe', 5000);
    expect(bodies).toHaveLength(3);
    expect(handled).toEqual([0, 1, 2]);
  });
});
