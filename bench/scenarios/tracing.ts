/**
 * Scenario `tracing`: what OpenTelemetry costs per publish → deliver, on one bus (local delivery)
 * and across two buses on a local hub (signed envelope). Four configurations each:
 *
 * - `off`: `instrumentation: false`;
 * - `als`: `instrumentation: false` with the AsyncLocalStorage context manager installed — what
 *   any application with an SDK pays for context propagation before Herald does anything;
 * - `nosdk`: the default `otelInstrumentation()` with no SDK registered (what every user who
 *   never starts an SDK runs);
 * - `ratio0`: an SDK (BasicTracerProvider + BatchSpanProcessor, MeterProvider with a reader, the
 *   AsyncLocalStorage context manager) sampling at ratio 0: no span recorded, context still
 *   propagated, metrics recorded;
 * - `ratio1`: the same SDK recording every span (exported to a discarding exporter).
 *
 * The context manager is installed before each run of an SDK configuration and removed before the
 * others, so no configuration pays for another's.
 */
import { context, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  type Bus,
  createBus,
  createLocalHub,
  type Instrumentation,
  localTransport,
  type Message,
  otelInstrumentation,
} from '../../src/index.js';
import { KEYS, type Posted, registry, TOPIC } from '../fixtures.js';
import type { Scenario, System } from '../harness.js';
import { blackhole, Deliveries, drive } from '../support.js';
import { numbered } from '../systems/herald-pair.js';
import { versionOf } from '../versions.js';

const WINDOW = 512;
type Mode = 'off' | 'als' | 'nosdk' | 'ratio0' | 'ratio1';

const discardSpans: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => undefined,
};
const discardMetrics: PushMetricExporter = {
  export: (_metrics, done) => done({ code: ExportResultCode.SUCCESS }),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

/** An SDK as an application would run it, minus the network. */
function sdk(ratio: number) {
  const tracerProvider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter: discardSpans })],
  });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({ exporter: discardMetrics, exportIntervalMillis: 60_000 }),
    ],
  });
  return { tracerProvider, meterProvider };
}

function instrumentationFor(mode: Mode): {
  instrumentation: Instrumentation | false;
  shutdown(): Promise<void>;
} {
  if (mode === 'off' || mode === 'als') {
    return { instrumentation: false, shutdown: async () => undefined };
  }
  if (mode === 'nosdk') {
    const global = trace.getTracerProvider();
    if (global instanceof ProxyTracerProvider && global.getDelegateTracer('herald') !== undefined) {
      throw new Error('tracing bench: a global OpenTelemetry SDK is registered; "nosdk" would lie');
    }
    return { instrumentation: otelInstrumentation(), shutdown: async () => undefined };
  }
  const providers = sdk(mode === 'ratio0' ? 0 : 1);
  return {
    instrumentation: otelInstrumentation(providers),
    shutdown: async () => {
      await providers.tracerProvider.shutdown();
      await providers.meterProvider.shutdown();
    },
  };
}

const LABELS: Record<Mode, string> = {
  off: 'instrumentation off',
  als: 'instrumentation off, context manager on',
  nosdk: 'default, no SDK registered',
  ratio0: 'SDK, sampling ratio 0',
  ratio1: 'SDK, sampling ratio 1',
};

/** One configuration: a publisher and a subscriber, the same bus (`local`) or two (`hop`). */
function tracingSystem(path: 'local' | 'hop', mode: Mode): System {
  const deliveries = new Deliveries();
  let publisher: Bus<typeof registry.defs> | undefined;
  let subscriber: Bus<typeof registry.defs> | undefined;
  let shutdown = async (): Promise<void> => undefined;
  return {
    id: `${path}-${mode}`,
    label: `${path === 'local' ? 'one bus' : 'two buses, local hub'}: ${LABELS[mode]}`,
    note: `${path === 'local' ? 'publish → local dispatch → handler on one bus' : 'bus A validates, signs; hub hop; bus B verifies, validates, dispatches'}; ${LABELS[mode]}`,
    compareTo: [`${path}-off`],
    ...(mode === 'ratio0' || mode === 'ratio1'
      ? {
          versions: { '@opentelemetry/sdk-trace': versionOf('@opentelemetry/sdk-trace') },
        }
      : {}),
    async setup() {
      const made = instrumentationFor(mode);
      shutdown = made.shutdown;
      const hub = createLocalHub();
      const suffix = Math.random().toString(36).slice(2, 8);
      const make = (role: string) =>
        createBus({
          registry,
          keys: KEYS,
          nodeId: `bench-${role}-${suffix}`,
          transport: localTransport({ hub }),
          instrumentation: made.instrumentation,
        });
      publisher = make('pub');
      subscriber = path === 'local' ? publisher : make('sub');
      await publisher.start();
      await subscriber.start();
      await subscriber.subscribe(TOPIC, (message: Message) => {
        blackhole.value += (message.payload as Posted).n;
        deliveries.hit();
      });
    },
    prepare() {
      // Only SDK configurations run with a context manager, as an app with an SDK does.
      context.disable();
      if (mode === 'als' || mode === 'ratio0' || mode === 'ratio1') {
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      }
    },
    async run(n) {
      const bus = publisher!;
      await drive(n, WINDOW, deliveries, (i) => void bus.broadcast(TOPIC, 'posted', numbered(i)));
      return undefined;
    },
    verify() {
      const stats = subscriber!.stats();
      if (stats.rejectedTotal > 0 || stats.overflowDrops > 0 || stats.handlerErrors > 0) {
        throw new Error(
          `${this.label}: ${stats.rejectedTotal} rejected, ${stats.overflowDrops} dropped, ${stats.handlerErrors} handler errors`,
        );
      }
    },
    async teardown() {
      context.disable();
      await publisher?.stop();
      if (subscriber !== publisher) await subscriber?.stop();
      await shutdown();
    },
  };
}

/** Tracing off, on without an SDK, and on at sampling ratios 0 and 1. */
export const tracing: Scenario = {
  id: 'tracing',
  title: 'Cost of OpenTelemetry tracing and metrics per message',
  measures:
    'Messages per second (and µs per message) from publish to handler with instrumentation off, the default instrumentation with no SDK registered, and an SDK sampling at ratio 0 and 1 (spans batched to a discarding exporter, metrics recorded). On one bus and across two buses on createLocalHub(); windows of 512 in flight. Ratios compare each row with "off" on the same path.',
  kind: 'throughput',
  messages: { quick: 3_000, full: 20_000 },
  baselines: [],
  settings: { window: WINDOW, payloadBytes: 250 },
  async systems() {
    const modes: Mode[] = ['off', 'nosdk', 'als', 'ratio0', 'ratio1'];
    return [
      ...modes.map((m) => tracingSystem('local', m)),
      ...modes.map((m) => tracingSystem('hop', m)),
    ];
  },
};
