/**
 * `herald/otel`: starts OpenTelemetry tracing and metrics with OTLP/HTTP exporters, so Herald's
 * spans and metrics (and those of any other instrumented library) reach an APM: Jaeger, Grafana
 * Tempo, Honeycomb, an OpenTelemetry Collector, anything that speaks OTLP.
 *
 * It is a separate subpath because the SDK is heavy; the core imports only `@opentelemetry/api`.
 * It runs on the trace and metrics SDKs directly (not `sdk-node`), loaded on first use: install
 * them with
 * `npm install @opentelemetry/sdk-trace @opentelemetry/sdk-metrics @opentelemetry/resources
 * @opentelemetry/core @opentelemetry/context-async-hooks @opentelemetry/exporter-trace-otlp-http
 * @opentelemetry/exporter-metrics-otlp-http` (the current line, or the one before: both work).
 * Call it once, first thing in the process, before creating buses (they would pick the SDK up
 * later anyway — Herald looks the global providers up on use — but other libraries may not).
 *
 * ```ts
 * import { startOtel } from 'herald/otel';
 * const otel = startOtel({ serviceName: 'chat-api' });
 * // ... on shutdown (never throws, bounded by exportTimeoutMs):
 * await otel.shutdown();
 * ```
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { OpenSpans, type OtelLog, within } from './lifecycle.js';
import {
  checkOptions,
  type Exporters,
  metricReadersOf,
  resourceOf,
  type Sdk,
  spanProcessorsOf,
} from './providers.js';
import { loadSdk } from './sdk.js';

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
  /**
   * Longest time one export may take, and the bound of `shutdown()` (which adds a second to
   * flush): past it, what was not exported is dropped and the fact logged.
   * @default 5000
   */
  readonly exportTimeoutMs?: number;
  /**
   * Where export failures and a late shutdown are reported, one line each.
   * @default a line on stderr
   */
  readonly log?: (line: string) => void;
}

/** A running SDK. */
export interface OtelHandle {
  /** Exports everything finished so far. Never rejects; failures are logged. */
  flush(): Promise<void>;
  /**
   * Flushes and stops the SDK. Call it before the process exits, or the last spans are lost.
   * Never rejects, and resolves within `exportTimeoutMs` + 1 s even when no receiver answers
   * (export failures are logged). Called inside a handler, the handler's span is exported too,
   * once it ends.
   */
  shutdown(): Promise<void>;
}

const signalUrl = (base: string, path: string): string => `${base.replace(/\/+$/, '')}/${path}`;

/** How long `shutdown()` waits for spans still open elsewhere before it flushes. */
const OPEN_SPAN_GRACE_MS = 500;

const stderr: OtelLog = (line) => void process.stderr.write(`${line}\n`);

/**
 * Starts OpenTelemetry tracing and metrics with OTLP/HTTP (JSON) exporters and registers them
 * globally (tracer and meter providers, AsyncLocalStorage context, W3C trace-context and baggage
 * propagation). Throws a ConfigError naming the packages to install when the SDK is missing.
 * @example const otel = startOtel({ serviceName: 'orders', otlpEndpoint: 'http://collector:4318', samplingRatio: 0.1 })
 */
export function startOtel(options: StartOtelOptions): OtelHandle {
  const { ratio, timeoutMs } = checkOptions(options);
  // The SDK's own switch, which sdk-node honoured too: nothing is loaded or registered.
  if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    return { flush: async () => undefined, shutdown: async () => undefined };
  }
  const sdk = loadSdk();
  const log = options.log ?? stderr;
  const endpoint = options.otlpEndpoint;
  const exporters: Exporters = {
    options: (path) => ({
      ...(endpoint === undefined ? {} : { url: signalUrl(endpoint, path) }),
      ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
      timeoutMillis: timeoutMs,
    }),
    where: (path) =>
      endpoint === undefined ? `over OTLP (${path})` : `to ${signalUrl(endpoint, path)}`,
    timeoutMs,
    log,
  };
  const resource = resourceOf(sdk, options);
  const open = new OpenSpans();
  const tracerProvider = new sdk.trace.TracerProvider({
    resource,
    sampler: new sdk.trace.ParentBasedSampler({
      root: new sdk.trace.TraceIdRatioBasedSampler(ratio),
    }),
    // Last, so a span has reached the batch when `open` sees it end.
    spanProcessors: [...spanProcessorsOf(sdk, options, exporters), open],
  });
  const meterProvider = new sdk.metrics.MeterProvider({
    resource,
    readers: metricReadersOf(sdk, options, exporters),
  });
  context.setGlobalContextManager(
    new sdk.contextManager.AsyncLocalStorageContextManager().enable(),
  );
  propagation.setGlobalPropagator(
    new sdk.core.CompositePropagator({
      propagators: [new sdk.core.W3CTraceContextPropagator(), new sdk.core.W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return handleOf(tracerProvider, meterProvider, open, timeoutMs, log);
}

/** The handle: flush, and a shutdown that waits for the caller's own span (if open) to end. */
function handleOf(
  tracerProvider: InstanceType<Sdk['trace']['TracerProvider']>,
  meterProvider: InstanceType<Sdk['metrics']['MeterProvider']>,
  open: OpenSpans,
  timeoutMs: number,
  log: OtelLog,
): OtelHandle {
  const flushAll = (): Promise<unknown> =>
    Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
  const stopAll = (deadline: number): Promise<boolean> =>
    within(
      Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]),
      deadline,
      'stopping the OpenTelemetry SDK',
      log,
    );
  let stopped: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    const deadline = Date.now() + timeoutMs + 1000;
    // The span of the handler this is called from, if any: it ends after we return.
    const current = trace.getSpan(context.active());
    // Spans open elsewhere get a short grace, not the budget of the export itself.
    await open.settled(current, Date.now() + Math.min(OPEN_SPAN_GRACE_MS, timeoutMs));
    if (!open.isOpen(current) || current === undefined) {
      await stopAll(deadline);
      return;
    }
    await within(flushAll(), deadline, 'flushing spans and metrics', log);
    void open
      .ended(current, Date.now() + timeoutMs)
      .then(() => stopAll(Date.now() + timeoutMs + 1000));
  };
  return {
    async flush() {
      await within(flushAll(), Date.now() + timeoutMs + 1000, 'flushing spans and metrics', log);
    },
    shutdown() {
      stopped ??= shutdown().catch((error: unknown) =>
        log(
          `herald/otel: shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      return stopped;
    },
  };
}
