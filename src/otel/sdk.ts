/**
 * The OpenTelemetry SDK packages `herald/otel` runs on, loaded on first use.
 *
 * They are optional peer dependencies with wide ranges: the current line (SDK 3.x, exporters
 * 0.3xx, API 1.10) and the one before (SDK 2.x, exporters 0.2xx, API 1.9) both work, so an app's
 * own OpenTelemetry packages never block installing Herald. Only the trace SDK, the metrics SDK,
 * resources, the OTLP/HTTP exporters, the W3C propagators (core) and the AsyncLocalStorage
 * context manager are used, not `sdk-node` (which pulls every exporter, gRPC and protobuf in).
 */
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type * as Core from '@opentelemetry/core';
import type * as MetricsExporter from '@opentelemetry/exporter-metrics-otlp-http';
import type * as TraceExporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import { loadPeer } from '../peers.js';

/** The packages, in the order of the install hint. */
export const SDK_PACKAGES = [
  '@opentelemetry/sdk-trace',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/resources',
  '@opentelemetry/core',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/exporter-metrics-otlp-http',
] as const;

/** The loaded SDK modules. */
export interface Sdk {
  readonly trace: typeof SdkTrace;
  readonly metrics: typeof SdkMetrics;
  readonly resources: typeof Resources;
  readonly core: typeof Core;
  readonly contextManager: typeof ContextAsyncHooks;
  readonly traceExporter: typeof TraceExporter;
  readonly metricsExporter: typeof MetricsExporter;
}

/** Requires every SDK package; a missing one is a ConfigError whose hint installs them all. */
export function loadSdk(): Sdk {
  const install = SDK_PACKAGES.join(' ');
  const need = <T>(name: (typeof SDK_PACKAGES)[number]): T =>
    loadPeer<T>(name, 'herald/otel', install);
  return {
    trace: need('@opentelemetry/sdk-trace'),
    metrics: need('@opentelemetry/sdk-metrics'),
    resources: need('@opentelemetry/resources'),
    core: need('@opentelemetry/core'),
    contextManager: need('@opentelemetry/context-async-hooks'),
    traceExporter: need('@opentelemetry/exporter-trace-otlp-http'),
    metricsExporter: need('@opentelemetry/exporter-metrics-otlp-http'),
  };
}
