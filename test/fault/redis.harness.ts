/**
 * The books of the Redis fault tests: publishers that number every message, a subscriber bus
 * that records what arrives and every gap, and the accounting that sorts each message into
 * delivered, rejected at publish, or inside a signalled gap, and fails on anything else.
 */
import { expect } from 'vitest';
import {
  type Bus,
  createBus,
  ErrorCode,
  type Gap,
  isHeraldError,
  type Transport,
} from '../../src/index.js';
import { waitFor } from '../adapters/redis.helpers.js';
import { keys, registry } from '../fixtures/registry.js';
import { sleep } from '../support/ports.js';

/** The fixture registry's topics. */
export type Defs = typeof registry.defs;

interface Attempt {
  readonly seq: number;
  readonly startedAt: number;
  resolvedAt?: number;
  rejected?: boolean;
}

/**
 * A publisher that publishes 1..n in order and records when each publish settled: one at a time,
 * or `burst` at once in one tick (so the transport writes them as one pipeline).
 */
function publisher(bus: Bus<Defs>, burst: number) {
  const attempts: Attempt[] = [];
  let running = true;
  let n = 0;
  const one = async (attempt: Attempt) => {
    try {
      const receipt = await bus.broadcast('room:1', 'message', { text: 'tick', n: attempt.seq });
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
        const attempt: Attempt = { seq: ++n, startedAt: Date.now() };
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

/** Classifies every attempt; returns the counts, throwing on a silent drop or a duplicate. */
function account(attempts: readonly Attempt[], received: readonly number[], gaps: readonly Gap[]) {
  const seen = new Set<number>();
  let last = 0;
  for (const seq of received) {
    if (seen.has(seq)) throw new Error(`seq ${seq} delivered twice`);
    if (seq < last) throw new Error(`seq ${seq} delivered after ${last}`);
    seen.add(seq);
    last = seq;
  }
  const counts = { delivered: 0, rejected: 0, inGap: 0, silent: [] as number[] };
  for (const a of attempts) {
    if (seen.has(a.seq)) counts.delivered++;
    else if (a.rejected) counts.rejected++;
    else if (
      a.resolvedAt !== undefined &&
      gaps.some((g) => g.from <= (a.resolvedAt ?? 0) && a.startedAt <= g.to)
    ) {
      counts.inGap++;
    } else counts.silent.push(a.seq);
  }
  return counts;
}

/** A running subscriber and its publishers. */
export interface Harness {
  readonly sub: Bus<Defs>;
  readonly pubs: Bus<Defs>[];
  readonly gaps: Gap[];
  readonly received: Map<string, number[]>;
  readonly events: { type: string; at: number; detail: unknown }[];
  stop(): Promise<void>;
}

/** Starts a subscriber bus `sub` and publisher buses `pub0..`, each on its own transport. */
export async function harness(
  subTransport: Transport,
  pubTransports: readonly Transport[],
): Promise<Harness> {
  const sub = createBus({ registry, keys, nodeId: 'sub', transport: subTransport });
  const pubs = pubTransports.map((transport, i) =>
    createBus({ registry, keys, nodeId: `pub${i}`, transport }),
  );
  const gaps: Gap[] = [];
  const received = new Map<string, number[]>();
  const events: { type: string; at: number; detail: unknown }[] = [];
  for (const type of ['disconnected', 'reconnecting', 'resubscribed', 'connected'] as const) {
    sub.on(type, (detail) => events.push({ type, at: Date.now(), detail }));
  }
  await sub.start();
  await Promise.all(pubs.map((p) => p.start()));
  await sub.subscribe(
    'room:1',
    (m) => {
      const list = received.get(m.meta.node) ?? [];
      list.push(m.meta.seq);
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
export async function streamThrough(h: Harness, fault: () => Promise<void>, burst = 1) {
  const streams = h.pubs.map((bus) => publisher(bus, burst));
  await sleep(300);
  await fault();
  // The fault must have been noticed (a kill's FIN can arrive after the command returned) ...
  await waitFor(() => h.events.some((e) => e.type === 'disconnected'), 'the disconnect', 20_000);
  // ... and everything must be back before the tail that has to arrive in full.
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
    const counts = account(s.attempts, h.received.get(node) ?? [], h.gaps);
    // Once every transport is back, every message arrives again.
    const tail = s.attempts.filter((a) => a.startedAt > recoveredAt);
    const delivered = new Set(h.received.get(node));
    expect(tail.length).toBeGreaterThan(10);
    expect(tail.filter((a) => !delivered.has(a.seq))).toEqual([]);
    return { node, total: s.attempts.length, ...counts };
  });
}
