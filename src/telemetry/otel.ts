/**
 * `otelInstrumentation`: Herald's spans and metrics through `@opentelemetry/api` alone (the core's
 * only telemetry dependency), by the OpenTelemetry messaging semantic conventions. One small
 * module per step, sharing one state object (otel-state.ts):
 *
 * - `publish <template>` PRODUCER span per publish (publish-span.ts);
 * - `process <template>` CONSUMER span per handler run, the producer as its parent or link
 *   (process-span.ts), and one linked span per batch or throttled delivery (batch-span.ts);
 * - rejections and transport events: short spans of their own and their counters (events.ts);
 * - the metric instruments (metrics.ts), ended spans and outcome metrics (runs.ts).
 *
 * With no SDK registered every call returns after one global lookup; docs/telemetry.md has the
 * measured cost.
 */
import { TelemetryAttribute as A } from './attributes.js';
import { batchSpan } from './batch-span.js';
import { reportRejection, reportTransportEvent } from './events.js';
import type { OtelInstrumentationOptions } from './otel-options.js';
import { OtelState } from './otel-state.js';
import { processSpan } from './process-span.js';
import { publishSpan } from './publish-span.js';
import type { Instrumentation } from './types.js';

export type { OtelInstrumentationOptions } from './otel-options.js';

/**
 * Creates Herald's OpenTelemetry instrumentation. It is the bus's default; pass it explicitly to
 * choose providers or options.
 * @example createBus({ registry, keys, instrumentation: otelInstrumentation({ consumerParent: 'link' }) })
 */
export function otelInstrumentation(options: OtelInstrumentationOptions = {}): Instrumentation {
  const state = new OtelState(options);
  return {
    publish: (info) => publishSpan(state, info),
    process: (message, info, run) => processSpan(state, message, info, run),
    /** One handler call for several messages (a batch, a throttled delivery): links, no parent. */
    processBatch: (messages, info, run) => batchSpan(state, messages, info, run),
    idle: () => state.idle(),
    rejected(rejection, transport) {
      const tracer = state.rejectionSpans ? state.tracers.current() : undefined;
      reportRejection(tracer, state.meters.current(), rejection, transport);
    },
    // By count only: the concrete topic would make one series per room.
    dropped(_topic, count) {
      state.meters.current()?.overflowDrops.add(count, { [A.System]: 'herald' });
    },
    transportEvent(event, transport) {
      const tracer = state.transportSpans ? state.tracers.current() : undefined;
      reportTransportEvent(tracer, state.meters.current(), state.meters.states, event, transport);
    },
  };
}
