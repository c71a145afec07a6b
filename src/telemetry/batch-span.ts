/**
 * The CONSUMER span of one handler call that stands for several messages (a batch of
 * `subscribeBatch`, a throttled or debounced delivery): `process <template>` in a new trace, with
 * no parent and a link to each distinct producer (at most the SDK's default link limit).
 */
import {
  type Context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import type { Message } from '../bus/types.js';
import { TelemetryAttribute as A } from './attributes.js';
import type { OtelState } from './otel-state.js';
import { ProcessRun, runInside } from './runs.js';
import { parseTraceContext } from './trace-context.js';
import type { ProcessInfo } from './types.js';

/** Links per batch span (the SDK's default link limit). */
const MAX_BATCH_LINKS = 128;

/** Runs one handler call for several messages inside one linked consumer span. */
export function batchSpan(
  state: OtelState,
  messages: readonly Message[],
  info: ProcessInfo,
  run: () => void | Promise<void>,
): void | Promise<void> {
  const tracer = state.tracers.current();
  const instruments = state.meters.current();
  if (tracer === undefined && instruments === undefined) return run();
  let started = 0;
  if (instruments !== undefined) {
    const flow = state.meters.flow('process', info.template, info.transport);
    instruments.consumed.add(flow, messages.length);
    const now = Date.now();
    for (const message of messages) {
      instruments.publishToDeliver.record(Math.max(0, now - message.meta.time) / 1000, flow);
    }
    started = performance.now();
  }
  let span: Span | undefined;
  let active: Context | undefined;
  if (tracer !== undefined) {
    span = tracer.startSpan(
      `process ${info.template}`,
      { kind: SpanKind.CONSUMER, links: producerLinks(messages) },
      ROOT_CONTEXT,
    );
    if (span.isRecording()) {
      const first = messages[0];
      span.setAttributes({
        [A.System]: 'herald',
        [A.Transport]: info.transport,
        [A.DestinationTemplate]: info.template,
        [A.OperationType]: 'process',
        [A.OperationName]: 'process',
        [A.BatchCount]: messages.length,
        [A.Node]: info.node,
        [A.Subscription]: info.subscription,
        ...(first === undefined ? {} : { [A.DestinationName]: first.topic }),
      });
    }
    active = trace.setSpan(ROOT_CONTEXT, span);
  }
  return runInside(new ProcessRun(span, info, state.meters, instruments, started), active, run);
}

/** One link per distinct, well-formed producer context of the messages, in order. */
function producerLinks(messages: readonly Message[]): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const message of messages) {
    const parent = message.meta.traceparent;
    if (links.length >= MAX_BATCH_LINKS) break;
    if (parent === undefined || seen.has(parent)) continue;
    seen.add(parent);
    const producer = parseTraceContext(parent, message.meta.tracestate);
    if (producer !== undefined) links.push({ context: producer });
  }
  return links;
}
