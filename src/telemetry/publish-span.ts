/**
 * The PRODUCER span of one publish, `publish <template>`, a child of the active context. Its W3C
 * `traceparent`/`tracestate` go into the envelope, where the signature covers them, and into the
 * meta of local messages; the scope returned ends the span and counts the attempt (runs.ts).
 */
import { context, isSpanContextValid, type Span, SpanKind } from '@opentelemetry/api';
import { TelemetryAttribute as A } from './attributes.js';
import type { OtelState } from './otel-state.js';
import { OtelPublishScope } from './runs.js';
import { boundedTracestate, formatTraceparent } from './trace-context.js';
import type { PublishInfo, PublishScope } from './types.js';

const EMPTY_SCOPE: PublishScope = { end() {} };

/** Opens the publish span and its metrics scope; a no-op scope while nothing records. */
export function publishSpan(state: OtelState, info: PublishInfo): PublishScope {
  const tracer = state.tracers.current();
  const instruments = state.meters.current();
  if (tracer === undefined && instruments === undefined) return EMPTY_SCOPE;
  let span: Span | undefined;
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  if (tracer !== undefined) {
    span = tracer.startSpan(
      `publish ${info.template}`,
      { kind: SpanKind.PRODUCER },
      context.active(),
    );
    const spanContext = span.spanContext();
    // An unsampled span still has a valid context: ratio 0 keeps propagating.
    if (isSpanContextValid(spanContext)) {
      traceparent = formatTraceparent(spanContext);
      tracestate = boundedTracestate(spanContext.traceState?.serialize());
    }
    if (span.isRecording()) {
      span.setAttributes({
        [A.System]: 'herald',
        [A.Transport]: info.transport,
        [A.DestinationName]: info.topic,
        [A.DestinationTemplate]: info.template,
        [A.OperationType]: 'send',
        [A.OperationName]: 'publish',
        [A.Event]: info.event,
        [A.SchemaVersion]: info.version,
        [A.Node]: info.node,
        [A.PublishKind]: info.kind,
      });
    } else if (traceparent === undefined) {
      span = undefined;
    }
  }
  return new OtelPublishScope(span, info, state.meters, instruments, traceparent, tracestate);
}
