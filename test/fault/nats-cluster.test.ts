/**
 * The NATS transport on a private three-node NATS cluster (routes on loopback, this project's
 * NATS ports): the server a subscriber is connected to is killed with SIGKILL during a stream and
 * restarted. The subscriber reconnects to another node of the cluster (learned from the servers
 * list and the cluster's INFO); every message must be delivered, rejected at publish, or inside
 * the gap the subscriber's bus signalled: zero silent drops, zero duplicates.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { type NatsServer, startNatsCluster } from '../support/nats-server.js';
import { sleep } from '../support/ports.js';
import { inCI } from '../support/services.js';
import { harness, streamThrough } from './redis.harness.js';

const cluster = await startNatsCluster(3).catch((error: unknown) => {
  const problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start a NATS cluster: ${problem}`);
  console.warn(`!! SKIPPING the NATS cluster tests: ${problem}`);
  return undefined;
});

describe.skipIf(!cluster)('nats transport on a three-node cluster', () => {
  let nodes: NatsServer[] = [];
  beforeAll(() => {
    nodes = cluster ?? [];
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('accounts for every message when the subscriber’s node is killed and restarted', async () => {
    const [n0, n1, n2] = nodes as [NatsServer, NatsServer, NatsServer];
    const prefix = `hcluster.${randomBytes(4).toString('hex')}`;
    const h = await harness(
      natsTransport({ servers: [n0.url, n1.url, n2.url], prefix, connectTimeoutMs: 5000 }),
      [natsTransport({ url: n1.url, prefix }), natsTransport({ url: n2.url, prefix })],
    );
    try {
      // Subscription interest travels over the routes: let it reach every node first.
      await sleep(1000);
      const server = String(h.sub.transport().detail?.server ?? '');
      const victim = nodes.find((n) => server.endsWith(`:${n.port}`));
      expect(victim, `the subscriber's server ${server}`).toBeDefined();
      const books = await streamThrough(h, async () => {
        await victim!.kill('SIGKILL');
        await sleep(1000);
        await victim!.restart();
      });
      const resub = h.events.find((e) => e.type === 'resubscribed');
      console.log(
        `nats cluster, subscriber's node ${victim!.port} killed: resubscribed after ${(resub?.detail as { ms?: number } | undefined)?.ms} ms on ${String(h.sub.transport().detail?.server)}`,
        books,
      );
      for (const b of books) expect(b.silent).toEqual([]);
      expect(h.gaps.length).toBeGreaterThanOrEqual(1);
    } finally {
      await h.stop();
    }
  }, 90_000);
});
