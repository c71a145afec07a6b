/**
 * OpenTelemetry test rigs: an in-memory span exporter behind a BasicTracerProvider, an
 * in-memory metric exporter behind a MeterProvider, the AsyncLocalStorage context manager, and
 * small readers for what they recorded.
 */
import { type Attributes, context, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

let installed = false;

/** Registers the AsyncLocalStorage context manager once per test file. */
export function installContextManager(): void {
  if (installed) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  installed = true;
}

/** A tracer provider that keeps every finished span in memory. */
export interface TraceRig {
  readonly provider: TracerProvider;
  readonly exporter: InMemorySpanExporter;
  /** Finished spans so far. */
  spans(): ReadableSpan[];
  /** The finished spans named `name`. */
  named(name: string): ReadableSpan[];
  /** Waits until `count` spans satisfy `match`; returns them. */
  waitFor(match: (span: ReadableSpan) => boolean, count?: number): Promise<ReadableSpan[]>;
}

/** Creates a tracer provider with an in-memory exporter (always sampled unless told). */
export function traceRig(sampler: Sampler = new AlwaysOnSampler()): TraceRig {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  return {
    provider,
    exporter,
    spans,
    named: (name) => spans().filter((s) => s.name === name),
    async waitFor(match, count = 1) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = spans().filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `waited for ${count} span(s), found ${found.length}; finished: ${spans()
              .map((s) => s.name)
              .join(', ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** A meter provider whose metrics are read on demand. */
export interface MetricRig {
  readonly provider: MeterProvider;
  /** Collects and returns the data points of one metric (cumulative). */
  points(name: string): Promise<DataPoint<unknown>[]>;
  /** Sum of a counter's points whose attributes include `where`. */
  sum(name: string, where?: Attributes): Promise<number>;
}

/** Creates a meter provider with an in-memory exporter. */
export function metricRig(): MetricRig {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    exporter.reset();
    await reader.forceFlush();
    const out: DataPoint<unknown>[] = [];
    for (const resource of exporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name === name)
            out.push(...(metric.dataPoints as DataPoint<unknown>[]));
        }
      }
    }
    return out;
  };
  return {
    provider,
    points,
    async sum(name, where = {}) {
      let total = 0;
      for (const point of await points(name)) {
        if (Object.entries(where).every(([k, v]) => point.attributes[k] === v)) {
          total += point.value as number;
        }
      }
      return total;
    },
  };
}

/** The span context of a finished span's parent, or undefined for a root span. */
export const parentOf = (span: ReadableSpan): SpanContext | undefined => span.parentSpanContext;

/** The W3C traceparent a span would propagate. */
export const traceparentOf = (span: ReadableSpan): string =>
  `00-${span.spanContext().traceId}-${span.spanContext().spanId}-0${span.spanContext().traceFlags}`;
