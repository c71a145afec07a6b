/**
 * NATS, a consumer group of three member processes on a private server, fed at a fixed rate by a
 * publisher in this process. Each round one member is killed with SIGKILL (what the server had
 * handed it is lost: NATS core is at most once) and restarted under load. The surviving members
 * are told by the group membership heartbeats (src/bus/group-members.ts): a gap naming the lost
 * node. The books are the group's: a message handled by any member is delivered, twice is a
 * duplicate; every message ends delivered, rejected, or sent inside a gap a survivor signalled.
 * Zero silent, zero duplicates.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { natsTransport } from '../../src/adapters/nats/index.js';
import { type Bus, createBus, type Gap } from '../../src/index.js';
import { type ChildNode, spawnTsx } from '../support/child.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';
import { sleep } from '../support/ports.js';
import { inCI } from '../support/services.js';
import { type Defs, keys, registry, TOPIC, waitFor } from './fixtures.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import { profile, SEED, timeoutFor } from './profile.js';
import { describeRecovery, record, rowChecks, rowFrom } from './report.js';

const { rate, kills, steadyMs, heartbeatMs, timeoutMs } = profile.natsGroup;
const script = fileURLToPath(new URL('./group-member.child.ts', import.meta.url));
const server = await startNatsServer().catch((error: unknown) => {
  const problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start nats-server: ${problem}`);
  console.warn(`!! SKIPPING the NATS group scenario: ${problem}`);
  return undefined;
});

/** A member process and how far its output has been booked. */
interface Member {
  readonly name: string;
  child: ChildNode;
  read: number;
}

/** A gap a member printed, with who printed it and when the test saw it. */
interface MemberGap extends Gap {
  readonly at: number;
  readonly by: string;
}

/** Books what the members printed since the last call: deliveries and gaps. */
function pump(members: readonly Member[], ledger: Ledger, gaps: MemberGap[]): void {
  for (const m of members) {
    const lines = m.child.lines;
    for (; m.read < lines.length; m.read++) {
      const parts = (lines[m.read] ?? '').split(' ');
      if (parts[0] === 'h') for (const seq of parts.slice(1)) ledger.delivered(Number(seq));
      if (parts[0] !== 'gap') continue;
      const [, from, to, group = '-', node = '-'] = parts;
      gaps.push({
        from: Number(from),
        to: Number(to),
        transport: 'nats',
        reason: `${m.name}: member ${node} of group ${group} lost`,
        ...(group === '-' ? {} : { group, node }),
        at: Date.now(),
        by: m.name,
      });
    }
  }
}

describe.skipIf(!server)('NATS consumer group: a member killed under load', () => {
  const members: Member[] = [];
  let publisher: Bus<Defs> | undefined;
  afterAll(async () => {
    for (const m of members) if (m.child.proc.exitCode === null) m.child.proc.kill('SIGKILL');
    await publisher?.stop();
    await server?.stop();
  });

  it(
    'every message handled by exactly one member, or sent inside a gap the survivors signalled',
    async () => {
      const { url } = server as NatsServer;
      const prefix = `hrelg.${Date.now().toString(36)}`;
      const spawn = (name: string): ChildNode =>
        spawnTsx(script, [name, url, prefix, String(heartbeatMs), String(timeoutMs)], name);
      for (const name of ['m1', 'm2', 'm3']) members.push({ name, child: spawn(name), read: 0 });
      for (const m of members) await waitFor(() => m.child.lines.includes('ready'), m.name, 60_000);
      publisher = createBus({
        registry,
        keys,
        nodeId: 'pub',
        transport: natsTransport({ url, prefix }),
      });
      await publisher.start();
      await sleep(heartbeatMs * 2); // the members know each other
      const gaps: MemberGap[] = [];
      const ledger = new Ledger('pub', gaps, rate * 120);
      const pumping = setInterval(() => pump(members, ledger, gaps), 50);
      const load = startLoad(publisher, [ledger], { rate, topic: TOPIC, maxInFlight: 2000 });
      const recoveries: number[] = [];
      for (let round = 0; round < kills; round++) {
        await sleep(steadyMs);
        const victim = members[round % members.length] as Member;
        for (const m of members)
          await waitFor(() => m.child.lines.includes('ready'), m.name, 60_000);
        const killedAt = Date.now();
        victim.child.proc.kill('SIGKILL');
        const signalled = () =>
          gaps.find((g) => g.node === victim.name && g.at >= killedAt && g.by !== victim.name);
        await waitFor(() => signalled() !== undefined, `${victim.name} declared lost`);
        recoveries.push((signalled()?.at ?? killedAt) - killedAt);
        pump([victim], ledger, gaps); // what it printed before it died
        victim.child = spawn(victim.name); // restarted: a new member (a new epoch) under load
        victim.read = 0;
      }
      for (const m of members) await waitFor(() => m.child.lines.includes('ready'), m.name, 60_000);
      await sleep(steadyMs);
      ledger.watchTail(load.issued + 1);
      await sleep(1500);
      const result = await load.stop();
      await sleep(1500);
      clearInterval(pumping);
      pump(members, ledger, gaps);
      const books = ledger.finish();
      const row = rowFrom('member killed', 'nats', books, describeRecovery(recoveries, 'kills'));
      const transportGaps = gaps.filter((g) => g.group === undefined).length;
      record(
        {
          name: 'nats-group',
          title: `NATS consumer group of 3 processes: one member SIGKILLed and restarted ${kills}× at a ${rate} msg/s target`,
          rows: [row],
          metrics: {
            targetRate: rate,
            issuedRate: result.issuedRate,
            achievedRate: result.okRate,
            publishP99Ms: result.publishP99Ms,
            groupGapsSignalled: gaps.length - transportGaps,
            transportGaps,
            heartbeatMs,
            timeoutMs,
          },
          checks: [
            ...rowChecks(row),
            {
              name: `after recovery ${ledger.tail.delivered} of ${ledger.tail.published} delivered`,
              ok: ledger.tail.delivered === ledger.tail.published,
            },
          ],
          notes: [
            'delivered: handled by any member of the group (twice counts as a duplicate)',
            'in gaps: sent inside a gap a surviving member signalled for the killed one (group membership heartbeats)',
            'recovery column: from the SIGKILL to the first survivor signalling the gap',
          ],
        },
        SEED,
      );
      expect(row.silent, 'silent drops').toBe(0);
      expect(row.duplicates, 'duplicates').toBe(0);
      expect(ledger.tail.delivered).toBe(ledger.tail.published);
    },
    timeoutFor(kills * (steadyMs + 30_000) + 60_000),
  );
});
