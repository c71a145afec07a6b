/**
 * The CONSUMER span of one handler run, `process <template>`. Its parent (or, with
 * `consumerParent: 'link'`, its link) is the producer span named by `message.meta.traceparent`,
 * for local and remote messages alike. That context is untrusted input: a malformed one starts a
 * new trace (trace-context.ts). The handler runs inside the span, so what it publishes continues
 * the trace; the consumed count and publish-to-deliver latency are recorded first.
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import type { Message } from '../bus/types.js';
import { TelemetryAttribute as A } from './attributes.js';
import type { OtelState } from './otel-state.js';
import { ProcessRun, runInside } from './runs.js';
import type { ProcessInfo } from './types.js';

/** Runs one handler call for one message inside its consumer span; returns what `run` returns. */
export function processSpan(
  state: OtelState,
  message: Message,
  info: ProcessInfo,
  run: () => void | Promise<void>,
): void | Promise<void> {
  const tracer = state.tracers.current();
  const instruments = state.meters.current();
  if (tracer === undefined && instruments === undefined) return run();
  let started = 0;
  if (instruments !== undefined) {
    const flow = state.meters.flow('process', info.template, info.transport);
    instruments.consumed.add(flow);
    instruments.publishToDeliver.record(Math.max(0, Date.now() - message.meta.time) / 1000, flow);
    started = performance.now();
  }
  let span: Span | undefined;
  let active: Context | undefined;
  if (tracer !== undefined) {
    const producer = state.producerOf(message.meta.traceparent, message.meta.tracestate);
    // The drain runs in whatever context queued it; the message alone decides the parent.
    const base =
      producer !== undefined && !state.asLink
        ? trace.setSpanContext(ROOT_CONTEXT, producer)
        : ROOT_CONTEXT;
    span = tracer.startSpan(
      `process ${info.template}`,
      {
        kind: SpanKind.CONSUMER,
        ...(producer !== undefined && state.asLink ? { links: [{ context: producer }] } : {}),
      },
      base,
    );
    if (span.isRecording()) span.setAttributes(processAttributes(message, info));
    active = trace.setSpan(base, span);
  }
  return runInside(new ProcessRun(span, info, state.meters, instruments, started), active, run);
}

function processAttributes(message: Message, info: ProcessInfo): Attributes {
  const attributes: Attributes = {
    [A.System]: 'herald',
    [A.Transport]: info.transport,
    [A.DestinationName]: message.topic,
    [A.DestinationTemplate]: info.template,
    [A.OperationType]: 'process',
    [A.OperationName]: 'process',
    [A.MessageId]: message.meta.id,
    [A.Event]: message.event,
    [A.SchemaVersion]: message.meta.version,
    [A.Node]: info.node,
    [A.SourceNode]: message.meta.node,
    [A.Local]: message.meta.local,
    [A.Subscription]: info.subscription,
  };
  // Only a remote message was encoded; a local one never had a body on the wire.
  if (message.meta.size !== undefined) attributes[A.BodySize] = message.meta.size;
  return attributes;
}
