/**
 * NATS, a private three-node cluster (routes on loopback, this project's NATS ports), a 5k msg/s
 * target. A publisher and a receiver each know every node (`servers`). Each round, the node the
 * receiver is connected to is killed with SIGKILL: the receiver reconnects to another node and
 * signals a gap; the node is restarted after `downMs`. Every message ends as delivered, rejected
 * at publish, or inside a signalled gap: zero silent, zero duplicates.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { type Bus, createBus } from '../../src/index.js';
import { type NatsServer, startNatsCluster } from '../support/nats-server.js';
import { sleep } from '../support/ports.js';
import { inCI } from '../support/services.js';
import { attachReceiver, type Defs, keys, registry, TOPIC, waitFor } from './fixtures.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import { profile, SEED, timeoutFor } from './profile.js';
import { describeRecovery, record, rowChecks, rowFrom } from './report.js';

const { rate, kills, downMs, steadyMs } = profile.natsCluster;
const nodes = await startNatsCluster(3).catch((error: unknown) => {
  const problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start a NATS cluster: ${problem}`);
  console.warn(`!! SKIPPING the NATS cluster scenario: ${problem}`);
  return undefined;
});

describe.skipIf(!nodes)('NATS cluster: a node killed under load', () => {
  const buses: Bus<Defs>[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.stop()));
    await Promise.all((nodes ?? []).map((n) => n.stop()));
  });

  it(
    'accounts for every message when the receiver’s node is killed and restarted',
    async () => {
      const cluster = nodes as NatsServer[];
      const prefix = `hrel.${Date.now().toString(36)}`;
      const make = (nodeId: string): Bus<Defs> => {
        const servers = cluster.map((n) => n.url);
        const transport = natsTransport({ servers, prefix, connectTimeoutMs: 5000 });
        const bus = createBus({ registry, keys, nodeId, transport });
        buses.push(bus);
        return bus;
      };
      const receiverBus = make('rcv');
      const publisher = make('pub');
      await Promise.all([receiverBus.start(), publisher.start()]);
      const receiver = await attachReceiver(receiverBus);
      await sleep(1000); // the subscription's interest reaches every node over the routes
      const ledger = new Ledger('pub', receiver.gaps, rate * 40);
      receiver.track(ledger);
      const load = startLoad(publisher, [ledger], { rate, topic: TOPIC, maxInFlight: 2000 });
      const recoveries: number[] = [];
      for (let round = 0; round < kills; round++) {
        await sleep(steadyMs);
        const server = String(receiverBus.transport().detail?.server ?? '');
        const victim = cluster.find((n) => server.endsWith(`:${n.port}`));
        if (!victim) throw new Error(`the receiver's server ${server} is no cluster node`);
        const killedAt = Date.now();
        await victim.kill('SIGKILL');
        await waitFor(() => receiver.next('resubscribed', killedAt) !== undefined, 'resubscribed');
        recoveries.push((receiver.next('resubscribed', killedAt)?.at ?? killedAt) - killedAt);
        await sleep(Math.max(0, downMs - (Date.now() - killedAt)));
        await victim.restart();
      }
      await sleep(steadyMs);
      ledger.watchTail(load.issued + 1);
      await sleep(1500);
      const result = await load.stop();
      await sleep(1500);
      const books = ledger.finish();
      const row = rowFrom('node killed', 'nats', books, describeRecovery(recoveries, 'kills'));
      record(
        {
          name: 'nats-cluster',
          title: `NATS three-node cluster: the receiver's node SIGKILLed ${kills}× at a ${rate} msg/s target`,
          rows: [row],
          metrics: {
            targetRate: rate,
            issuedRate: result.issuedRate,
            achievedRate: result.okRate,
            publishP99Ms: result.publishP99Ms,
            gapsSignalled: receiver.gaps.length,
            rejectedAtPublish: books.rejectedAtPublish,
          },
          checks: [
            ...rowChecks(row),
            {
              name: `after recovery ${ledger.tail.delivered} of ${ledger.tail.published} delivered`,
              ok: ledger.tail.delivered === ledger.tail.published,
            },
          ],
          notes: [
            'recovery column: from the SIGKILL to the receiver resubscribed on another node (confirmed by a round trip)',
          ],
        },
        SEED,
      );
      expect(row.silent, 'silent drops').toBe(0);
      expect(row.duplicates, 'duplicates').toBe(0);
      expect(receiver.gaps.length).toBeGreaterThanOrEqual(kills);
      expect(ledger.tail.delivered).toBe(ledger.tail.published);
    },
    timeoutFor(kills * (downMs + steadyMs + 15_000) + 30_000),
  );
});
