/**
 * The providers `startOtel` registers, built from its options: the option checks, the resource,
 * the span processors and the metric readers, each with OTLP/HTTP exporters whose failures are
 * logged (lifecycle.ts).
 */
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import { ConfigError } from '../errors.js';
import type { StartOtelOptions } from './index.js';
import { type OtelLog, reportFailures } from './lifecycle.js';
import type { loadSdk } from './sdk.js';

/** The loaded SDK packages. */
export type Sdk = ReturnType<typeof loadSdk>;

/** How the exporters are made: their options per signal path, and where they send, for logs. */
export interface Exporters {
  options(path: string): { url?: string; headers?: Record<string, string>; timeoutMillis: number };
  where(path: string): string;
  readonly timeoutMs: number;
  readonly log: OtelLog;
}

/** Checks the options that have a range; returns the sampling ratio and the export timeout. */
export function checkOptions(options: StartOtelOptions): { ratio: number; timeoutMs: number } {
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
  const timeoutMs = options.exportTimeoutMs ?? 5000;
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new ConfigError(`exportTimeoutMs ${String(timeoutMs)} is not a positive integer`, {
      hint: 'use a time in ms, e.g. 5000',
    });
  }
  return { ratio, timeoutMs };
}

/** The resource: defaults, environment and process detectors, then the service's own. */
export function resourceOf(sdk: Sdk, options: StartOtelOptions) {
  return sdk.resources
    .defaultResource()
    .merge(
      sdk.resources.detectResources({
        detectors: [sdk.resources.envDetector, sdk.resources.processDetector],
      }),
    )
    .merge(
      sdk.resources.resourceFromAttributes({
        ...options.resourceAttributes,
        'service.name': options.serviceName,
        ...(options.serviceVersion === undefined
          ? {}
          : { 'service.version': options.serviceVersion }),
      }),
    );
}

/** The OTLP batch span processor (and the console one when asked), unless traces are off. */
export function spanProcessorsOf(
  sdk: Sdk,
  options: StartOtelOptions,
  exporters: Exporters,
): SdkTrace.SpanProcessor[] {
  if (options.traces === false) return [];
  const exporter = reportFailures(
    new sdk.traceExporter.OTLPTraceExporter(exporters.options('v1/traces')),
    `spans ${exporters.where('v1/traces')}`,
    exporters.log,
  );
  const processors: SdkTrace.SpanProcessor[] = [
    new sdk.trace.BatchSpanProcessor({
      exporter,
      scheduledDelayMillis: options.spanDelayMs ?? 5000,
      exportTimeoutMillis: exporters.timeoutMs,
    }),
  ];
  if (options.console === true) {
    processors.push(
      new sdk.trace.SimpleSpanProcessor({ exporter: new sdk.trace.ConsoleSpanExporter() }),
    );
  }
  return processors;
}

/** The periodic OTLP metric reader, unless metrics are off. */
export function metricReadersOf(sdk: Sdk, options: StartOtelOptions, exporters: Exporters) {
  if (options.metrics === false) return [];
  const intervalMs = options.metricIntervalMs ?? 60_000;
  return [
    new sdk.metrics.PeriodicExportingMetricReader({
      exporter: reportFailures(
        new sdk.metricsExporter.OTLPMetricExporter(exporters.options('v1/metrics')),
        `metrics ${exporters.where('v1/metrics')}`,
        exporters.log,
      ),
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: Math.min(exporters.timeoutMs, intervalMs),
    }),
  ];
}
