/** The options of `otelInstrumentation` (otel.ts), with their defaults. */
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/** Options of {@link otelInstrumentation}. */
export interface OtelInstrumentationOptions {
  /**
   * Where spans go.
   * @default the global provider of `@opentelemetry/api`, looked up on use (an SDK started after
   * the bus is picked up)
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * Where metrics go.
   * @default the global provider of `@opentelemetry/api`, looked up on use
   */
  readonly meterProvider?: MeterProvider;
  /**
   * How a consumer span refers to the producer span: as its `parent` (one trace from publisher to
   * every consumer), or by a span `link` from a new trace of its own (for very wide fan-out, where
   * one trace would grow too large).
   * @default 'parent'
   */
  readonly consumerParent?: 'parent' | 'link';
  /**
   * Report each rejected inbound message as a `reject <reason>` span.
   * The `herald.rejections` counter is kept either way.
   * @default true
   */
  readonly rejectionSpans?: boolean;
  /**
   * Report transport events (connected, disconnected, ... gap) as `transport <event>` spans.
   * Their metrics are kept either way.
   * @default true
   */
  readonly transportSpans?: boolean;
}
