/**
 * The instrumentation seam: the points on the one road where the bus reports what it does.
 *
 * The bus calls an `Instrumentation` at publish, around each handler run, on each rejection and
 * on each transport event; it never imports a tracing SDK, nor `src/telemetry/`. Herald's
 * OpenTelemetry implementation (`src/telemetry/otel.ts`) is the default, which `createBus`
 * (src/create-bus.ts) passes in; `instrumentation: false` turns every call off. The types are
 * re-exported by src/telemetry/types.ts for the instrumentation's implementers.
 */
import type { TransportEvent } from '../adapters/transport.js';
import type { Rejection } from '../security/reasons.js';
import type { Route } from './route.js';
import type { Message } from './types.js';

/** How a message was published: the kind of its route (route.ts), so a new route is a new kind. */
export type PublishKind = Route['kind'];

/** What the bus knows when a publish starts. */
export interface PublishInfo {
  readonly topic: string;
  readonly template: string;
  readonly event: string;
  readonly version: number;
  readonly kind: PublishKind;
  readonly transport: string;
  readonly node: string;
}

/** How a publish ended. */
export interface PublishOutcome {
  readonly id: string;
  /** Encoded size in bytes, when it was encoded for the transport. */
  readonly size?: number;
  readonly localDeliveries: number;
  readonly sent: boolean;
  readonly error?: unknown;
}

/** One publish in progress. */
export interface PublishScope {
  /** W3C trace context to carry (signed) in the envelope and in local messages' meta. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  end(outcome: PublishOutcome): void;
}

/** What the bus knows when it runs a handler. */
export interface ProcessInfo {
  readonly template: string;
  readonly subscription: number;
  readonly transport: string;
  readonly node: string;
}

/** The calls the bus makes. Every method must be cheap and must not throw. */
export interface Instrumentation {
  publish(info: PublishInfo): PublishScope;
  /** Runs one handler invocation (`run`) inside a consumer span; returns what `run` returns. */
  process(
    message: Message,
    info: ProcessInfo,
    run: () => void | Promise<void>,
  ): void | Promise<void>;
  /**
   * Optional: runs one handler call that stands for several messages — a batch of
   * `subscribeBatch`, or a throttled/debounced delivery with the messages it superseded — in one
   * consumer span linked to each message's producer. Returns what `run` returns. Without it,
   * such calls run without a span.
   */
  processBatch?(
    messages: readonly Message[],
    info: ProcessInfo,
    run: () => void | Promise<void>,
  ): void | Promise<void>;
  /**
   * Optional: true while `process` and `processBatch` would record nothing (no SDK behind the
   * API). The bus then calls handlers directly, with no per-delivery bookkeeping. Asked on every
   * publish and delivery (a topic lane asks once per round, src/bus/lane.ts); an SDK registered
   * later is picked up once the microtasks then queued have run.
   */
  idle?(): boolean;
  /** An inbound message was refused. */
  rejected(rejection: Rejection, transport: string): void;
  /** A subscription dropped messages by its overflow policy. */
  dropped(topic: string, count: number): void;
  /** A connection event of the transport, or a gap. */
  transportEvent(
    event: TransportEvent | { readonly type: 'gap'; readonly from: number; readonly to: number },
    transport: string,
  ): void;
}

/** `instrumentation` while it records something; undefined when it is off or idle (no SDK). */
export function recording(
  instrumentation: Instrumentation | undefined,
): Instrumentation | undefined {
  return instrumentation === undefined || instrumentation.idle?.() === true
    ? undefined
    : instrumentation;
}
