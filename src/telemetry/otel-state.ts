/**
 * What the steps of one `otelInstrumentation` share: where spans and metrics go, its options, a
 * one-entry cache of the last producer context read from a message, and the cached answer to
 * "is anything listening?".
 */
import type { SpanContext } from '@opentelemetry/api';
import { MetricSet } from './metrics.js';
import type { OtelInstrumentationOptions } from './otel-options.js';
import { parseTraceContext } from './trace-context.js';
import { TracerSource } from './tracer.js';

/** A settled promise: a reaction on it is a microtask without queueMicrotask's AsyncResource. */
const RESOLVED: Promise<void> = Promise.resolve();

/** The shared state of one instrumentation. */
export class OtelState {
  readonly tracers: TracerSource;
  readonly meters: MetricSet;
  /** Consumer spans link to the producer instead of taking it as their parent. */
  readonly asLink: boolean;
  readonly rejectionSpans: boolean;
  readonly transportSpans: boolean;
  #lastParent: string | undefined;
  #lastState: string | undefined;
  #lastProducer: SpanContext | undefined;
  #idleNow: boolean | undefined;
  readonly #forgetIdle = (): void => {
    this.#idleNow = undefined;
  };

  constructor(options: OtelInstrumentationOptions) {
    this.tracers = new TracerSource(options.tracerProvider);
    this.meters = new MetricSet(options.meterProvider);
    this.asLink = options.consumerParent === 'link';
    this.rejectionSpans = options.rejectionSpans !== false;
    this.transportSpans = options.transportSpans !== false;
  }

  /**
   * The producer span context a message names (untrusted: undefined when malformed). One-entry
   * cache: every subscription of a message, and a local delivery right after its publish, read
   * the same traceparent string.
   */
  producerOf(parent: string | undefined, state: string | undefined): SpanContext | undefined {
    if (parent !== this.#lastParent || state !== this.#lastState) {
      this.#lastParent = parent;
      this.#lastState = state;
      this.#lastProducer = parseTraceContext(parent, state);
    }
    return this.#lastProducer;
  }

  /**
   * True while no tracer and no meter would record anything. Asked on every publish and delivery:
   * the answer is kept until the current task's microtasks have run (two global look-ups per
   * delivery cost more than a delivery to 1000 handlers).
   */
  idle(): boolean {
    if (this.#idleNow === undefined) {
      this.#idleNow = this.tracers.current() === undefined && this.meters.current() === undefined;
      void RESOLVED.then(this.#forgetIdle);
    }
    return this.#idleNow;
  }
}
