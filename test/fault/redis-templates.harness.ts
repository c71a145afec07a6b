/**
 * The books of the Redis template fault tests: a publisher that numbers every message and
 * publishes round-robin over several concrete topics of one `wildcard` template, a subscriber bus
 * whose only subscription is the template, and the accounting that sorts each message into
 * delivered, rejected at publish, or inside a signalled gap, and fails on anything else (a silent
 * drop, a duplicate, a message out of order on its topic, one delivered under the wrong topic).
 */
import { Type } from '@sinclair/typebox';
import { expect } from 'vitest';
import {
  type Bus,
  createBus,
  defineTopics,
  ErrorCode,
  event,
  type Gap,
  isHeraldError,
  type Transport,
  topic,
} from '../../src/index.js';
import { waitFor } from '../adapters/redis.helpers.js';
import { keys } from '../fixtures/registry.js';
import { sleep } from '../support/ports.js';

/** One wildcard topic, subscribed whole by its template. */
export const fleetRegistry = defineTopics({
  fleet: topic('fleet:{node}', {
    wildcard: true,
    events: { beat: event(Type.Object({ n: Type.Integer({ minimum: 0 }) })) },
  }),
});
type Defs = typeof fleetRegistry.defs;

/** The concrete topics the publishers cycle through. */
export const FLEET_TOPICS = ['fleet:n0', 'fleet:n1', 'fleet:n2', 'fleet:n3', 'fleet:n4'] as const;

interface Attempt {
  readonly seq: number;
  readonly topic: string;
  readonly startedAt: number;
  resolvedAt?: number;
  rejected?: boolean;
}

/** A publisher: `burst` publishes per round, each on the next topic, one round every 4 ms. */
function publisher(bus: Bus<Defs>, burst: number) {
  const attempts: Attempt[] = [];
  let running = true;
  let n = 0;
  const one = async (attempt: Attempt) => {
    try {
      const receipt = await bus.broadcast(attempt.topic as 'fleet:n0', 'beat', { n: attempt.seq });
      if (receipt.seq !== attempt.seq) throw new Error(`seq ${receipt.seq} != ${attempt.seq}`);
      attempt.resolvedAt = Date.now();
    } catch (error) {
      if (!isHeraldError(error) || error.code !== ErrorCode.PublishFailed) throw error;
      attempt.rejected = true;
    }
  };
  const done = (async () => {
    while (running) {
      const sent: Promise<void>[] = [];
      for (let i = 0; i < burst; i++) {
        const seq = ++n;
        const attempt = {
          seq,
          topic: FLEET_TOPICS[seq % FLEET_TOPICS.length]!,
          startedAt: Date.now(),
        };
        attempts.push(attempt);
        sent.push(one(attempt));
      }
      await Promise.all(sent);
      await sleep(4);
    }
  })();
  return {
    attempts,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** One delivery as the template subscription saw it. */
interface Seen {
  readonly seq: number;
  readonly topic: string;
  readonly param: string;
}

/** Classifies every attempt; throws on a duplicate, a reordering per topic or a wrong topic. */
function account(attempts: readonly Attempt[], received: readonly Seen[], gaps: readonly Gap[]) {
  const byTopic = new Map<string, number>();
  const seen = new Map<number, Seen>();
  for (const r of received) {
    if (seen.has(r.seq)) throw new Error(`seq ${r.seq} delivered twice`);
    if (r.seq < (byTopic.get(r.topic) ?? 0)) throw new Error(`seq ${r.seq} out of order`);
    byTopic.set(r.topic, r.seq);
    seen.set(r.seq, r);
  }
  const counts = { delivered: 0, rejected: 0, inGap: 0, silent: [] as number[] };
  for (const a of attempts) {
    const r = seen.get(a.seq);
    if (r) {
      expect(r.topic).toBe(a.topic);
      expect(`fleet:${r.param}`).toBe(a.topic);
      counts.delivered++;
    } else if (a.rejected) counts.rejected++;
    else if (
      a.resolvedAt !== undefined &&
      gaps.some((g) => g.from <= (a.resolvedAt ?? 0) && a.startedAt <= g.to)
    ) {
      counts.inGap++;
    } else counts.silent.push(a.seq);
  }
  return counts;
}

/** A running template subscriber and its publishers. */
export interface TemplateHarness {
  readonly sub: Bus<Defs>;
  readonly pubs: Bus<Defs>[];
  readonly gaps: Gap[];
  readonly received: Map<string, Seen[]>;
  readonly events: { type: string; at: number; detail: unknown }[];
  stop(): Promise<void>;
}

/** Starts subscriber bus `sub` (template subscription only) and publisher buses `pub0..`. */
export async function templateHarness(
  subTransport: Transport,
  pubTransports: readonly Transport[],
): Promise<TemplateHarness> {
  const make = (nodeId: string, transport: Transport) =>
    createBus({ registry: fleetRegistry, keys, nodeId, transport });
  const sub = make('sub', subTransport);
  const pubs = pubTransports.map((transport, i) => make(`pub${i}`, transport));
  const gaps: Gap[] = [];
  const received = new Map<string, Seen[]>();
  const events: { type: string; at: number; detail: unknown }[] = [];
  for (const type of ['disconnected', 'reconnecting', 'resubscribed', 'connected'] as const) {
    sub.on(type, (detail) => events.push({ type, at: Date.now(), detail }));
  }
  await sub.start();
  await Promise.all(pubs.map((p) => p.start()));
  await sub.subscribe(
    'fleet:{node}',
    (m) => {
      const list = received.get(m.meta.node) ?? [];
      list.push({ seq: m.meta.seq, topic: m.topic, param: m.params.node });
      received.set(m.meta.node, list);
    },
    { onGap: (gap) => void gaps.push(gap), queue: { limit: 100_000 } },
  );
  return {
    sub,
    pubs,
    gaps,
    received,
    events,
    async stop() {
      await Promise.all([sub.stop(), ...pubs.map((p) => p.stop())]);
    },
  };
}

/** Streams from every publisher while `fault` runs, then checks the books. */
export async function streamTemplatesThrough(
  h: TemplateHarness,
  fault: () => Promise<void>,
  burst = 5,
) {
  const streams = h.pubs.map((bus) => publisher(bus, burst));
  await sleep(300);
  await fault();
  await waitFor(() => h.events.some((e) => e.type === 'disconnected'), 'the disconnect', 20_000);
  const buses = [h.sub, ...h.pubs];
  await waitFor(
    () => buses.every((b) => b.transport().state === 'connected'),
    'every transport to recover',
    20_000,
  );
  const recoveredAt = Date.now();
  await sleep(500);
  await Promise.all(streams.map((s) => s.stop()));
  await sleep(300);
  return streams.map((s, i) => {
    const node = `pub${i}`;
    const got = h.received.get(node) ?? [];
    const counts = account(s.attempts, got, h.gaps);
    // Once every transport is back, every message arrives again, on every topic.
    const tail = s.attempts.filter((a) => a.startedAt > recoveredAt);
    const delivered = new Set(got.map((r) => r.seq));
    expect(tail.length).toBeGreaterThan(10);
    expect(tail.filter((a) => !delivered.has(a.seq))).toEqual([]);
    const tailTopics = new Set(tail.map((a) => a.topic));
    expect([...tailTopics].sort()).toEqual([...FLEET_TOPICS]);
    return { node, total: s.attempts.length, ...counts };
  });
}
