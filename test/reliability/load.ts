/**
 * A publisher at a fixed rate. Every 5 ms it starts the publishes that are due (without waiting
 * for earlier ones, up to `maxInFlight` at once), numbers them 1, 2, 3, ... exactly as the bus
 * does, and writes each start and outcome into the ledgers. A publish that rejects with anything
 * but a TransportError is a test failure, kept in `errors`.
 */
import { createHistogram } from 'node:perf_hooks';
import { type Bus, ErrorCode, isHeraldError } from '../../src/index.js';
import type { Defs } from './fixtures.js';

/** Where a load writes each publish's start and outcome: a Ledger, or a child's publish log. */
export interface PublishBooks {
  begin(seq: number, at: number): void;
  settle(seq: number, at: number, ok: boolean): void;
}

/** Options of {@link startLoad}. */
export interface LoadOptions {
  /** Messages per second. */
  readonly rate: number;
  /** The concrete topic, e.g. `room:rel`. */
  readonly topic: `room:${string}`;
  /** Most publishes awaiting their outcome at once. @default 2000 */
  readonly maxInFlight?: number;
  /** Payload text (its length sets the message size). @default 200 characters */
  readonly text?: string;
}

/** What a load achieved. */
export interface LoadResult {
  readonly issued: number;
  readonly ok: number;
  readonly rejected: number;
  readonly elapsedMs: number;
  /** Publishes started per second. */
  readonly issuedRate: number;
  /** Publishes the transport took, per second. */
  readonly okRate: number;
  /** Publishes the transport took, by transport name (the receipt's `transport`). */
  readonly byTransport: Readonly<Record<string, number>>;
  /** Publishes the transport took in each whole second since the start, by transport. */
  readonly perSecond: readonly Readonly<Record<string, number>>[];
  /** Time from `broadcast` to its promise settling, in ms. */
  readonly publishP50Ms: number;
  readonly publishP99Ms: number;
}

/** A running load. */
export interface Load {
  readonly issued: number;
  readonly ok: number;
  readonly rejected: number;
  readonly inFlight: number;
  /** Unexpected publish errors (anything but PUBLISH_FAILED). */
  readonly errors: unknown[];
  /** The first few PUBLISH_FAILED messages, for the report. */
  readonly rejections: string[];
  /** Stops starting publishes, waits for those in flight, and reports. */
  stop(): Promise<LoadResult>;
}

const DEFAULT_TEXT = 'reliability '.repeat(17).slice(0, 200);

/** Starts publishing `options.rate` messages per second from `bus`, booked in every ledger. */
export function startLoad(
  bus: Bus<Defs>,
  ledgers: readonly PublishBooks[],
  options: LoadOptions,
): Load {
  const maxInFlight = options.maxInFlight ?? 2000;
  const text = options.text ?? DEFAULT_TEXT;
  const started = Date.now();
  const byTransport: Record<string, number> = {};
  const perSecond: Record<string, number>[] = [];
  const errors: unknown[] = [];
  const rejections: string[] = [];
  let issued = 0;
  let ok = 0;
  let rejected = 0;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const publishTime = createHistogram();
  const startedAt = new Float64Array(maxInFlight * 4);

  const settled = (seq: number, taken: boolean): void => {
    const at = Date.now();
    const began = startedAt[seq % startedAt.length]!;
    publishTime.record(Math.max(1, Math.round((at - began) * 1000)));
    for (const ledger of ledgers) ledger.settle(seq, at, taken);
    inFlight--;
    if (inFlight === 0) drained?.();
  };

  const send = (): void => {
    const seq = ++issued;
    const at = Date.now();
    startedAt[seq % startedAt.length] = at;
    for (const ledger of ledgers) ledger.begin(seq, at);
    inFlight++;
    bus.broadcast(options.topic, 'message', { text, n: seq }).then(
      (receipt) => {
        if (receipt.seq !== seq) errors.push(new Error(`receipt seq ${receipt.seq} != ${seq}`));
        ok++;
        byTransport[receipt.transport] = (byTransport[receipt.transport] ?? 0) + 1;
        const second = Math.floor((Date.now() - started) / 1000);
        const bucket = (perSecond[second] ??= {});
        bucket[receipt.transport] = (bucket[receipt.transport] ?? 0) + 1;
        settled(seq, true);
      },
      (error: unknown) => {
        if (!isHeraldError(error) || error.code !== ErrorCode.PublishFailed) errors.push(error);
        else if (rejections.length < 3) rejections.push(error.message.split('\n')[0] ?? '');
        rejected++;
        settled(seq, false);
      },
    );
  };

  const tick = (): void => {
    const due = Math.floor(((Date.now() - started) * options.rate) / 1000);
    // Never more than 50 ms of traffic in one burst, even after a stall.
    const burst = Math.max(1, Math.ceil(options.rate / 20));
    for (let n = 0; issued < due && n < burst && inFlight < maxInFlight; n++) send();
  };
  const timer = setInterval(tick, 5);

  return {
    get issued() {
      return issued;
    },
    get ok() {
      return ok;
    },
    get rejected() {
      return rejected;
    },
    get inFlight() {
      return inFlight;
    },
    errors,
    rejections,
    async stop() {
      clearInterval(timer);
      const elapsedMs = Date.now() - started;
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      const seconds = Math.max(elapsedMs, 1) / 1000;
      return {
        issued,
        ok,
        rejected,
        elapsedMs,
        issuedRate: Math.round(issued / seconds),
        okRate: Math.round(ok / seconds),
        byTransport: { ...byTransport },
        perSecond: Array.from(perSecond, (b) => ({ ...(b ?? {}) })),
        publishP50Ms: Math.round(publishTime.percentile(50) / 100) / 10,
        publishP99Ms: Math.round(publishTime.percentile(99) / 100) / 10,
      };
    },
  };
}
