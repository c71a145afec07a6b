/**
 * What every reliability scenario shares: the registry and keys, the topic, and a receiver that
 * books each delivery, each refusal and each gap of a receiving bus into the publishers' ledgers.
 */
import { createHistogram } from 'node:perf_hooks';
import type { Bus, BusEvents, Gap, Subscription } from '../../src/index.js';
import type { registry } from '../fixtures/registry.js';
import { type Ledger, rejectedId } from './ledger.js';

export { keys, registry } from '../fixtures/registry.js';

/** The fixture registry's topics. */
export type Defs = typeof registry.defs;

/** The one topic every scenario publishes on. */
export const TOPIC = 'room:reliability' as const;

/** A bus event with the time it was observed. */
export interface Observed {
  readonly type: keyof BusEvents;
  readonly at: number;
  readonly detail: unknown;
}

/** A receiving bus and what it observed. */
export interface Receiver {
  readonly bus: Bus<Defs>;
  /** Every gap signalled, in order. */
  readonly gaps: Gap[];
  /** Connection events (connected, disconnected, reconnecting, resubscribed, failover, gap). */
  readonly events: Observed[];
  readonly subscription: Subscription;
  /** Deliveries and refusals from publishers no ledger tracks (must stay 0). */
  readonly unbooked: { deliveries: number; refusals: Record<string, number> };
  /** Books the messages of `ledger.node` into `ledger`. */
  track(ledger: Ledger): void;
  /** The first event of `type` observed at or after `since`. */
  next(type: keyof BusEvents, since: number): Observed | undefined;
  /** Publish-to-handler latency of the messages delivered so far, in ms. */
  latency(): { readonly p50: number; readonly p99: number; readonly max: number };
}

const WATCHED = [
  'connected',
  'disconnected',
  'reconnecting',
  'resubscribed',
  'failover',
  'gap',
] as const satisfies readonly (keyof BusEvents)[];

/** Subscribes `bus` (started) to {@link TOPIC} and starts booking what arrives. */
export async function attachReceiver(bus: Bus<Defs>): Promise<Receiver> {
  const gaps: Gap[] = [];
  const events: Observed[] = [];
  const ledgers = new Map<string, Ledger>();
  const unbooked = { deliveries: 0, refusals: {} as Record<string, number> };
  const latency = createHistogram();
  for (const type of WATCHED) {
    bus.on(type, (detail) => void events.push({ type, at: Date.now(), detail }));
  }
  bus.on('gap', (gap) => void gaps.push(gap));
  bus.on('rejected', (rejection) => {
    const id = rejectedId(rejection.detail);
    const ledger = id ? ledgers.get(id.node) : undefined;
    if (id && ledger) ledger.refused(id.seq, rejection.reason);
    else unbooked.refusals[rejection.reason] = (unbooked.refusals[rejection.reason] ?? 0) + 1;
  });
  const subscription = await bus.subscribe(
    TOPIC,
    (message) => {
      latency.record(Math.max(1, Math.round((Date.now() - message.meta.time) * 1000)));
      const ledger = ledgers.get(message.meta.node);
      if (ledger) ledger.delivered(message.meta.seq);
      else unbooked.deliveries++;
    },
    // Large enough that no overflow policy ever drops here: every loss must be a gap.
    { queue: { limit: 1_000_000 } },
  );
  return {
    bus,
    gaps,
    events,
    subscription,
    unbooked,
    track(ledger) {
      ledgers.set(ledger.node, ledger);
    },
    next(type, since) {
      return events.find((e) => e.type === type && e.at >= since);
    },
    latency() {
      const ms = (us: number): number => Math.round(us / 100) / 10;
      return {
        p50: ms(latency.percentile(50)),
        p99: ms(latency.percentile(99)),
        max: ms(latency.max),
      };
    },
  };
}

/** Polls `condition` every 20 ms until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Polls `condition` every 20 ms until it holds, for as long as `progress()` keeps changing: throws
 * once it has stood still for `idleMs`, naming `what` and `describe()`. For waits whose length is
 * set by how fast something else moves (a process draining a backlog on a loaded machine), not by
 * the clock.
 */
export async function waitWhileProgressing(
  condition: () => boolean,
  progress: () => number,
  what: string,
  idleMs = 30_000,
  describe: () => string = () => `progress ${progress()}`,
): Promise<void> {
  let last = progress();
  let movedAt = Date.now();
  while (!condition()) {
    const now = progress();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > idleMs) {
      throw new Error(`waiting for ${what}: no progress for ${idleMs} ms (${describe()})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A seeded pseudo-random generator (mulberry32), so a fault schedule can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
