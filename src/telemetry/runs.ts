/**
 * The end of a publish and of a handler run: closing the producer or consumer span (with the
 * outcome, or the error as an exception event, ERROR status and `error.type`) and recording the
 * metrics that need the outcome. Classes rather than closures: one small object per message.
 */
import { type Context, context, type Span, SpanStatusCode } from '@opentelemetry/api';
import { TelemetryAttribute as A, errorType } from './attributes.js';
import type { Instruments, MetricSet } from './metrics.js';
import type { ProcessInfo, PublishInfo, PublishOutcome, PublishScope } from './types.js';

/** One publish in progress: ends the producer span and counts the attempt. */
export class OtelPublishScope implements PublishScope {
  declare readonly traceparent?: string;
  declare readonly tracestate?: string;

  constructor(
    private readonly span: Span | undefined,
    private readonly info: PublishInfo,
    private readonly meters: MetricSet,
    private readonly instruments: Instruments | undefined,
    traceparent: string | undefined,
    tracestate: string | undefined,
  ) {
    // Own properties only when set: the bus copies them into the envelope as they are.
    if (traceparent !== undefined) (this as { traceparent?: string }).traceparent = traceparent;
    if (tracestate !== undefined) (this as { tracestate?: string }).tracestate = tracestate;
  }

  end(outcome: PublishOutcome): void {
    const failed = outcome.error !== undefined;
    const span = this.span;
    if (span !== undefined) {
      if (span.isRecording()) {
        span.setAttribute(A.MessageId, outcome.id);
        span.setAttribute(A.LocalDeliveries, outcome.localDeliveries);
        span.setAttribute(A.Sent, outcome.sent);
        if (outcome.size !== undefined) span.setAttribute(A.BodySize, outcome.size);
        if (failed) fail(span, outcome.error);
      }
      span.end();
    }
    if (this.instruments !== undefined) {
      const flow = this.meters.flow('publish', this.info.template, this.info.transport);
      this.instruments.sent.add(failed ? this.meters.failed(flow, errorType(outcome.error)) : flow);
    }
  }
}

/** One handler run: ends the consumer span and records its duration. */
export class ProcessRun {
  constructor(
    private readonly span: Span | undefined,
    private readonly info: ProcessInfo,
    private readonly meters: MetricSet,
    private readonly instruments: Instruments | undefined,
    private readonly started: number,
  ) {}

  finish(failed: boolean, error?: unknown): void {
    const span = this.span;
    if (span !== undefined) {
      if (failed && span.isRecording()) fail(span, error);
      span.end();
    }
    if (this.instruments !== undefined) {
      const flow = this.meters.flow('process', this.info.template, this.info.transport);
      this.instruments.processDuration.record(
        (performance.now() - this.started) / 1000,
        failed ? this.meters.failed(flow, errorType(error)) : flow,
      );
    }
  }
}

/** Marks a span failed: the exception event, ERROR status, and `error.type`. */
export function fail(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException(String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.setAttribute(A.ErrorType, errorType(error));
}

/**
 * Runs a handler (inside `active`, when given) and finishes `handle` when it returns, throws or
 * settles. Errors are re-thrown: the bus counts them and emits `handler_error`.
 */
export function runInside(
  handle: ProcessRun,
  active: Context | undefined,
  run: () => void | Promise<void>,
): void | Promise<void> {
  let result: void | Promise<void>;
  try {
    result = active === undefined ? run() : context.with(active, run);
  } catch (error) {
    handle.finish(true, error);
    throw error;
  }
  if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
    return (result as Promise<void>).then(
      () => handle.finish(false),
      (error: unknown) => {
        handle.finish(true, error);
        throw error;
      },
    );
  }
  handle.finish(false);
  return result;
}
