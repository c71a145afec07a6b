/**
 * `otelInstrumentation`: Herald's spans and metrics through `@opentelemetry/api` alone (the core's
 * only telemetry dependency), by the OpenTelemetry messaging semantic conventions.
 *
 * - `publish <template>` PRODUCER span per publish, a child of the active context. Its W3C
 *   `traceparent`/`tracestate` go into the envelope, where the signature covers them, and into
 *   the meta of local messages.
 * - `process <template>` CONSUMER span per handler run. Its parent (or, with
 *   `consumerParent: 'link'`, its link) is the producer span named by `message.meta.traceparent`,
 *   for local and remote messages alike. That context is untrusted input: a malformed one starts a
 *   new trace (see trace-context.ts). The handler runs inside the span, so what it publishes
 *   continues the trace.
 * - Rejections and transport events: short spans of their own (events.ts).
 *
 * With no SDK registered every call returns after one global lookup; docs/telemetry.md has the
 * measured cost.
 */
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  type MeterProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { Message } from '../bus/types.js';
import { TelemetryAttribute as A } from './attributes.js';
import { reportRejection, reportTransportEvent } from './events.js';
import { MetricSet } from './metrics.js';
import { OtelPublishScope, ProcessRun, runInside } from './runs.js';
import { boundedTracestate, formatTraceparent, parseTraceContext } from './trace-context.js';
import { TracerSource } from './tracer.js';
import type { Instrumentation, ProcessInfo, PublishInfo, PublishScope } from './types.js';

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

const EMPTY_SCOPE: PublishScope = { end() {} };
/** Links per batch span (the SDK's default link limit). */
const MAX_BATCH_LINKS = 128;

/**
 * Creates Herald's OpenTelemetry instrumentation. It is the bus's default; pass it explicitly to
 * choose providers or options.
 * @example createBus({ registry, keys, instrumentation: otelInstrumentation({ consumerParent: 'link' }) })
 */
export function otelInstrumentation(options: OtelInstrumentationOptions = {}): Instrumentation {
  const tracers = new TracerSource(options.tracerProvider);
  const meters = new MetricSet(options.meterProvider);
  const asLink = options.consumerParent === 'link';
  const rejectionSpans = options.rejectionSpans !== false;
  const transportSpans = options.transportSpans !== false;
  // One-entry cache: every subscription of a message, and a local delivery right after its
  // publish, read the same traceparent string.
  let lastParent: string | undefined;
  let lastState: string | undefined;
  let lastProducer: SpanContext | undefined;
  const producerOf = (parent: string | undefined, state: string | undefined) => {
    if (parent !== lastParent || state !== lastState) {
      lastParent = parent;
      lastState = state;
      lastProducer = parseTraceContext(parent, state);
    }
    return lastProducer;
  };

  function publish(info: PublishInfo): PublishScope {
    const tracer = tracers.current();
    const instruments = meters.current();
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
    return new OtelPublishScope(span, info, meters, instruments, traceparent, tracestate);
  }

  function process(
    message: Message,
    info: ProcessInfo,
    run: () => void | Promise<void>,
  ): void | Promise<void> {
    const tracer = tracers.current();
    const instruments = meters.current();
    if (tracer === undefined && instruments === undefined) return run();
    let started = 0;
    if (instruments !== undefined) {
      const flow = meters.flow('process', info.template, info.transport);
      instruments.consumed.add(flow);
      instruments.publishToDeliver.record(Math.max(0, Date.now() - message.meta.time) / 1000, flow);
      started = performance.now();
    }
    let span: Span | undefined;
    let active: Context | undefined;
    if (tracer !== undefined) {
      const producer = producerOf(message.meta.traceparent, message.meta.tracestate);
      // The drain runs in whatever context queued it; the message alone decides the parent.
      const base =
        producer !== undefined && !asLink
          ? trace.setSpanContext(ROOT_CONTEXT, producer)
          : ROOT_CONTEXT;
      span = tracer.startSpan(
        `process ${info.template}`,
        {
          kind: SpanKind.CONSUMER,
          ...(producer !== undefined && asLink ? { links: [{ context: producer }] } : {}),
        },
        base,
      );
      if (span.isRecording()) span.setAttributes(processAttributes(message, info));
      active = trace.setSpan(base, span);
    }
    return runInside(new ProcessRun(span, info, meters, instruments, started), active, run);
  }

  /** One handler call for several messages (a batch, a throttled delivery): links, no parent. */
  function processBatch(
    messages: readonly Message[],
    info: ProcessInfo,
    run: () => void | Promise<void>,
  ): void | Promise<void> {
    const tracer = tracers.current();
    const instruments = meters.current();
    if (tracer === undefined && instruments === undefined) return run();
    let started = 0;
    if (instruments !== undefined) {
      const flow = meters.flow('process', info.template, info.transport);
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
      span = tracer.startSpan(
        `process ${info.template}`,
        { kind: SpanKind.CONSUMER, links },
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
    return runInside(new ProcessRun(span, info, meters, instruments, started), active, run);
  }

  // Asked on every publish and delivery: the answer is kept until the current task's microtasks
  // have run (two global look-ups per delivery cost more than a delivery to 1000 handlers).
  let idleNow: boolean | undefined;
  const forgetIdle = () => {
    idleNow = undefined;
  };

  return {
    publish,
    process,
    processBatch,
    idle: () => {
      if (idleNow === undefined) {
        idleNow = tracers.current() === undefined && meters.current() === undefined;
        queueMicrotask(forgetIdle);
      }
      return idleNow;
    },
    rejected(rejection, transport) {
      const tracer = rejectionSpans ? tracers.current() : undefined;
      reportRejection(tracer, meters.current(), rejection, transport);
    },
    // By count only: the concrete topic would make one series per room.
    dropped(_topic, count) {
      meters.current()?.overflowDrops.add(count, { [A.System]: 'herald' });
    },
    transportEvent(event, transport) {
      const tracer = transportSpans ? tracers.current() : undefined;
      reportTransportEvent(tracer, meters.current(), meters.states, event, transport);
    },
  };
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
