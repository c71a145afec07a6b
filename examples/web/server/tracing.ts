/**
 * Tracing for the demo, so every chat line can show its trace id. With
 * `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans go to that receiver through `herald/otel` (open the
 * trace in Jaeger or Tempo: publish on one instance, process on the others, delivery to each
 * page). Without it, a tracer provider that records ids and exports nothing: trace context is
 * still made, signed into every envelope and shown on the page. Once per process.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { startOtel } from '../../../src/otel/index.js';

let started: Promise<() => Promise<void>> | undefined;

async function start(serviceName: string): Promise<() => Promise<void>> {
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const otel = startOtel({ serviceName, metrics: false });
    return () => otel.shutdown();
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new TracerProvider();
  trace.setGlobalTracerProvider(provider);
  return () => provider.shutdown();
}

/** Starts tracing for this process (the first call wins); resolves its shutdown. */
export function startTracing(serviceName: string): Promise<() => Promise<void>> {
  started ??= start(serviceName);
  return started;
}
