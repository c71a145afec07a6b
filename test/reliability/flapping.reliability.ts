/**
 * A flapping Redis: for 2 minutes (short: 25 s) a private server goes down again and again, for a
 * random 0-2 s each time, up a random 1-3 s in between. An outage is either a crash (`kill -9`,
 * then a restart on the same port) or a network cut (a loopback proxy resets every connection and
 * refuses new ones). One receiver and one publisher connect through the proxy; a second publisher
 * connects directly, so it keeps publishing while the receiver is cut off.
 *
 * Every message of both publishers ends as delivered, rejected at publish, or inside a gap the
 * receiver was told about; none is silently lost, none reaches the handler twice, and once the
 * server is back for good every message arrives again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { type Bus, createBus } from '../../src/index.js';
import { sleep } from '../support/ports.js';
import { startProxy, type TcpProxy } from '../support/proxy.js';
import {
  attachReceiver,
  type Defs,
  keys,
  registry,
  seededRandom,
  TOPIC,
  waitFor,
} from './fixtures.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import { profile, SEED, timeoutFor } from './profile.js';
import { describeRecovery, duration, record, rowChecks, rowFrom } from './report.js';
import { privateRedis, runPrefix } from './servers.js';

const { durationMs, rate, maxOutageMs, minUpMs, maxUpMs } = profile.flapping;
const redis = await privateRedis();

interface Outage {
  readonly kind: 'crash' | 'network';
  readonly start: number;
  readonly end: number;
}

describe.skipIf(!redis)('a flapping Redis', () => {
  const buses: Bus<Defs>[] = [];
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop()));
    await proxy?.close();
  });

  it(
    'accounts for every message through random 0-2 s outages',
    async () => {
      const server = redis!.server;
      const p = await startProxy(server.port);
      proxy = p;
      const prefix = runPrefix();
      const viaProxy = `redis://127.0.0.1:${p.port}`;
      const make = (nodeId: string, url: string): Bus<Defs> => {
        const bus = createBus({
          registry,
          keys,
          nodeId,
          transport: redisTransport({ url, prefix, connectTimeoutMs: 3000 }),
        });
        buses.push(bus);
        return bus;
      };
      const receiverBus = make('receiver', viaProxy);
      const pubs = [make('pub-proxy', viaProxy), make('pub-direct', server.url)];
      await Promise.all([receiverBus, ...pubs].map((b) => b.start()));
      const receiver = await attachReceiver(receiverBus);
      const ledgers = pubs.map((bus) => new Ledger(bus.nodeId, receiver.gaps, (rate / 2) * 30));
      for (const ledger of ledgers) receiver.track(ledger);
      const loads = pubs.map((bus, i) =>
        startLoad(bus, [ledgers[i]!], { rate: rate / 2, topic: TOPIC, maxInFlight: 1000 }),
      );

      const random = seededRandom(SEED);
      const outages: Outage[] = [];
      const until = Date.now() + durationMs;
      await sleep(1000);
      while (Date.now() < until) {
        const kind = random() < 0.5 ? 'crash' : 'network';
        const downMs = Math.round(random() * maxOutageMs);
        const start = Date.now();
        if (kind === 'crash') {
          await server.kill('SIGKILL');
          await sleep(downMs);
          await server.restart();
        } else {
          p.refuse(true);
          p.reset();
          await sleep(downMs);
          p.refuse(false);
        }
        outages.push({ kind, start, end: Date.now() });
        await sleep(minUpMs + Math.round(random() * (maxUpMs - minUpMs)));
      }

      // Back for good: every bus recovers, and from then on every message must arrive.
      const all = [receiverBus, ...pubs];
      await waitFor(
        () => all.every((b) => b.transport().state === 'connected'),
        'every bus to reconnect',
        30_000,
      );
      const settledAt = Date.now();
      for (let i = 0; i < ledgers.length; i++) ledgers[i]!.watchTail(loads[i]!.issued + 1);
      await sleep(1500);
      const results = await Promise.all(loads.map((l) => l.stop()));
      await sleep(1000);

      // Recovery: from the end of an outage to the receiver's confirmed resubscription.
      const recoveries: number[] = [];
      outages.forEach((o, i) => {
        const next = outages[i + 1]?.start ?? settledAt;
        const back = receiver.next('resubscribed', o.end);
        if (back && back.at <= next) recoveries.push(back.at - o.end);
      });
      const recovery = describeRecovery(recoveries);
      const rows = ledgers.map((ledger) =>
        rowFrom(
          ledger.node === 'pub-proxy' ? 'publisher through the proxy' : 'publisher direct',
          'redis',
          ledger.finish(),
          recovery,
        ),
      );
      const stats = receiverBus.stats();
      const tails = ledgers.map((l) => ({ node: l.node, ...l.tail }));
      record(
        {
          name: 'flapping',
          title: `A flapping Redis: ${outages.length} outages of 0-${maxOutageMs / 1000} s in ${duration(durationMs)}, ${rate} msg/s`,
          rows,
          metrics: {
            outages: outages.length,
            crashes: outages.filter((o) => o.kind === 'crash').length,
            networkCuts: outages.filter((o) => o.kind === 'network').length,
            downtimeMs: outages.reduce((sum, o) => sum + o.end - o.start, 0),
            gapsSignalled: receiver.gaps.length,
            resubscribed: receiver.events.filter((e) => e.type === 'resubscribed').length,
            publishRate: results.reduce((sum, r) => sum + r.okRate, 0),
            receiverOverflowDrops: stats.overflowDrops,
            seed: SEED,
          },
          checks: [
            ...rows.flatMap(rowChecks),
            ...tails.map((t) => ({
              name: `${t.node}: after recovery ${t.delivered} of ${t.published} delivered`,
              ok: t.published > 100 && t.delivered === t.published,
            })),
            {
              name: `unbooked deliveries ${receiver.unbooked.deliveries} = 0`,
              ok: receiver.unbooked.deliveries === 0,
            },
            {
              name: `publish errors ${loads.reduce((n, l) => n + l.errors.length, 0)} = 0`,
              ok: loads.every((l) => l.errors.length === 0),
            },
          ],
          notes: [
            'recovery: from the end of each outage (server restarted, or proxy accepting again) to the receiver confirming its resubscription; it includes the reconnect back-off (50 ms doubling, capped at 2 s by default)',
            'the direct publisher keeps publishing through network cuts: what it sends while the receiver is cut off must fall inside the receiver’s gap',
          ],
        },
        SEED,
      );

      for (const load of loads) expect(load.errors).toEqual([]);
      for (const row of rows) {
        expect(row.silent, `${row.case}: silent drops`).toBe(0);
        expect(row.duplicates, `${row.case}: duplicates`).toBe(0);
        expect(row.outOfOrder, `${row.case}: out of order`).toBe(0);
        expect(row.anomalies, `${row.case}: anomalies`).toEqual({});
        expect(row.rejected + row.inGaps, `${row.case}: the faults lost nothing?`).toBeGreaterThan(
          0,
        );
      }
      for (const ledger of ledgers) {
        const tail = ledger.tail;
        expect(tail.published).toBeGreaterThan(100);
        expect(tail.delivered, `${ledger.node}: messages after recovery`).toBe(tail.published);
      }
      expect(receiver.unbooked).toEqual({ deliveries: 0, refusals: {} });
      expect(stats.overflowDrops).toBe(0);
      expect(outages.length).toBeGreaterThanOrEqual(3);
      expect(receiver.gaps.length).toBeGreaterThan(0);
    },
    timeoutFor(durationMs),
  );
});
