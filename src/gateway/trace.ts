/**
 * The delivery span: each event written to a page is a `deliver <template>` span in the
 * message's trace — a child of the gateway's `process` span when the bus traced one, else of the
 * publisher's span named by the message's (signed, still untrusted) `traceparent`. With no SDK
 * registered nothing is recorded and the check costs one lookup per message, not per page.
 */
import { context, ROOT_CONTEXT, SpanKind, type TracerProvider, trace } from '@opentelemetry/api';
import type { Message } from '../bus/types.js';
import { TelemetryAttribute as A } from '../telemetry/attributes.js';
import { parseTraceContext } from '../telemetry/trace-context.js';
import { TracerSource } from '../telemetry/tracer.js';

/** Starts and ends delivery spans. */
export interface DeliveryTracer {
  /** One call per message: a function that records one page's delivery, or undefined (no SDK). */
  begin(message: Message, template: string): ((connection: string) => void) | undefined;
}

/** The delivery tracer of one gateway. */
export function deliveryTracer(provider: TracerProvider | undefined): DeliveryTracer {
  const source = new TracerSource(provider);
  return {
    begin(message, template) {
      const tracer = source.current();
      if (tracer === undefined) return undefined;
      const active = context.active();
      let parent = active;
      if (trace.getSpan(active) === undefined) {
        const producer = parseTraceContext(message.meta.traceparent, message.meta.tracestate);
        parent =
          producer === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, producer);
      }
      const attributes = {
        [A.System]: 'herald',
        [A.DestinationName]: message.topic,
        [A.DestinationTemplate]: template,
        [A.OperationType]: 'send',
        [A.OperationName]: 'deliver',
        [A.MessageId]: message.meta.id,
        [A.Event]: message.event,
      };
      return (connection) => {
        const span = tracer.startSpan(
          `deliver ${template}`,
          {
            kind: SpanKind.PRODUCER,
            attributes: { ...attributes, 'herald.gateway.connection': connection },
          },
          parent,
        );
        span.end();
      };
    },
  };
}
