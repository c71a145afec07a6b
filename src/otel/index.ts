/**
 * `herald/otel`: starts the OpenTelemetry Node SDK with OTLP/HTTP exporters for traces and
 * metrics, so Herald's spans and metrics (and those of any other instrumented library) reach an
 * APM: Jaeger, Grafana Tempo, Honeycomb, an OpenTelemetry Collector, anything that speaks OTLP.
 *
 * It is a separate subpath because the SDK is heavy; the core imports only `@opentelemetry/api`.
 * Call it once, first thing in the process, before creating buses (they would pick the SDK up
 * later anyway — Herald looks the global providers up on use — but other libraries may not).
 *
 * ```ts
 * import { startOtel } from 'herald/otel';
 * const otel = startOtel({ serviceName: 'chat-api' });
 * // ... on shutdown:
 * await otel.shutdown();
 * ```
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, resources, metrics as sdkMetrics, tracing } from '@opentelemetry/sdk-node';
import { ConfigError } from '../errors.js';

/** Options of {@link startOtel}. */
export interface StartOtelOptions {
  /** `service.name` of every span and metric: how the APM names this process. */
  readonly serviceName: string;
  /** `service.version`. */
  readonly serviceVersion?: string;
  /**
   * Base URL of an OTLP/HTTP receiver; `/v1/traces` and `/v1/metrics` are appended.
   * @default process.env.OTEL_EXPORTER_OTLP_ENDPOINT (and the per-signal variables), else
   * 'http://localhost:4318'
   * @example 'https://api.honeycomb.io'
   */
  readonly otlpEndpoint?: string;
  /**
   * HTTP headers of every export (API keys).
   * @default process.env.OTEL_EXPORTER_OTLP_HEADERS
   * @example { 'x-honeycomb-team': process.env.HONEYCOMB_API_KEY }
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Fraction of new traces recorded, 0 to 1. Parent-based: a message or request whose parent was
   * sampled is always recorded, one whose parent was not never is. At 0 nothing is recorded but
   * trace context still propagates through every envelope.
   * @default 1
   */
  readonly samplingRatio?: number;
  /**
   * Export traces.
   * @default true
   */
  readonly traces?: boolean;
  /**
   * Export metrics.
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * Interval of metric exports, in ms.
   * @default 60000
   */
  readonly metricIntervalMs?: number;
  /**
   * Longest wait before a batch of finished spans is exported, in ms.
   * @default 5000
   */
  readonly spanDelayMs?: number;
  /**
   * Also print every finished span to stdout (for examples and local debugging).
   * @default false
   */
  readonly console?: boolean;
  /** Extra resource attributes (`deployment.environment.name`, ...). */
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>>;
}

/** A running SDK. */
export interface OtelHandle {
  /** Exports everything finished so far. */
  flush(): Promise<void>;
  /** Flushes and stops the SDK. Call it before the process exits, or the last spans are lost. */
  shutdown(): Promise<void>;
}

const signalUrl = (base: string, path: string): string => `${base.replace(/\/+$/, '')}/${path}`;

/**
 * Starts the OpenTelemetry Node SDK with OTLP/HTTP (JSON) exporters and registers it globally.
 * @example const otel = startOtel({ serviceName: 'orders', otlpEndpoint: 'http://collector:4318', samplingRatio: 0.1 })
 */
export function startOtel(options: StartOtelOptions): OtelHandle {
  if (typeof options?.serviceName !== 'string' || options.serviceName.length === 0) {
    throw new ConfigError('startOtel needs a serviceName', {
      hint: "pass startOtel({ serviceName: 'my-service' })",
    });
  }
  const ratio = options.samplingRatio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new ConfigError(`samplingRatio ${String(ratio)} is not between 0 and 1`, {
      hint: 'use 1 to record every trace, 0.1 for one in ten, 0 for none (context still propagates)',
    });
  }
  const endpoint = options.otlpEndpoint;
  const headers = options.headers === undefined ? {} : { headers: { ...options.headers } };
  const spanProcessors: tracing.SpanProcessor[] = [];
  if (options.traces !== false) {
    const exporter = new OTLPTraceExporter({
      ...(endpoint === undefined ? {} : { url: signalUrl(endpoint, 'v1/traces') }),
      ...headers,
    });
    spanProcessors.push(
      new tracing.BatchSpanProcessor(exporter, {
        scheduledDelayMillis: options.spanDelayMs ?? 5000,
      }),
    );
    if (options.console === true) {
      spanProcessors.push(new tracing.SimpleSpanProcessor(new tracing.ConsoleSpanExporter()));
    }
  }
  const readers: sdkMetrics.MetricReader[] = [];
  if (options.metrics !== false) {
    readers.push(
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({
          ...(endpoint === undefined ? {} : { url: signalUrl(endpoint, 'v1/metrics') }),
          ...headers,
        }),
        exportIntervalMillis: options.metricIntervalMs ?? 60_000,
      }),
    );
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        ...options.resourceAttributes,
        ...(options.serviceVersion === undefined
          ? {}
          : { 'service.version': options.serviceVersion }),
      }),
    ),
    sampler: new tracing.ParentBasedSampler({
      root: new tracing.TraceIdRatioBasedSampler(ratio),
    }),
    spanProcessors,
    metricReaders: readers,
    // Herald writes no OpenTelemetry logs; without this the SDK would start an OTLP log exporter.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    async flush() {
      await Promise.all([
        ...spanProcessors.map((p) => p.forceFlush()),
        ...readers.map((r) => r.forceFlush()),
      ]);
    },
    shutdown() {
      stopped ??= sdk.shutdown();
      return stopped;
    },
  };
}
