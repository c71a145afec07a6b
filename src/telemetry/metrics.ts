/**
 * Herald's metric instruments, created from a MeterProvider through `@opentelemetry/api` only.
 *
 * The global MeterProvider of the API has no proxy: instruments made before an SDK registers stay
 * no-ops forever. So the provider is looked up on every use (one global read) and the instruments
 * are rebuilt when it changes; with no SDK the lookup returns the no-op meter and every metric
 * call is skipped.
 *
 * Per-message counters (`messaging.client.sent.messages`, `messaging.client.consumed.messages`)
 * are tallied here and reported by observable counters at collection time: an SDK counter `add`
 * hashes its attributes on every call (about 1.7 µs measured), a tally on a cached attribute set
 * costs a map update. Backends see the same cumulative sums.
 */
import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  ValueType,
} from '@opentelemetry/api';
import { TelemetryAttribute as A, TelemetryMetric as M } from './attributes.js';

/** Instrumentation scope name of Herald's tracer and meter. */
export const SCOPE_NAME = 'herald';

// Semantic conventions' advice for messaging.process.duration.
const PROCESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
// In-process delivery takes microseconds; a remote hop milliseconds.
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Distinct `error.type` values kept per flow; more are reported as `_OTHER`. */
const MAX_ERROR_TYPES = 32;

/** Cumulative counts by attribute set (compared by identity: use cached sets). */
export class Tally {
  readonly cells = new Map<Attributes, number>();
  add(attributes: Attributes, value = 1): void {
    this.cells.set(attributes, (this.cells.get(attributes) ?? 0) + value);
  }
}

/** The instruments of one meter. */
export interface Instruments {
  readonly sent: Tally;
  readonly consumed: Tally;
  readonly processDuration: Histogram;
  readonly publishToDeliver: Histogram;
  readonly rejections: Counter;
  readonly overflowDrops: Counter;
  readonly gaps: Counter;
  readonly transportEvents: Counter;
}

function createInstruments(meter: Meter, states: ReadonlyMap<string, number>): Instruments {
  const sent = new Tally();
  const consumed = new Tally();
  meter
    .createObservableCounter(M.SentMessages, {
      description: 'Messages a producer attempted to publish.',
      unit: '{message}',
      valueType: ValueType.INT,
    })
    .addCallback((result) => {
      for (const [attributes, value] of sent.cells) result.observe(value, attributes);
    });
  meter
    .createObservableCounter(M.ConsumedMessages, {
      description: 'Messages delivered to a handler.',
      unit: '{message}',
      valueType: ValueType.INT,
    })
    .addCallback((result) => {
      for (const [attributes, value] of consumed.cells) result.observe(value, attributes);
    });
  meter
    .createObservableGauge(M.ConnectionState, {
      description: 'Connection state of the transport: 1 connected, 0 not connected.',
      valueType: ValueType.INT,
    })
    .addCallback((result) => {
      // No state attribute: a changing attribute would leave a stale series behind.
      for (const [transport, value] of states) {
        result.observe(value, { [A.System]: 'herald', [A.Transport]: transport });
      }
    });
  const counter = (name: string, description: string, unit: string): Counter =>
    meter.createCounter(name, { description, unit, valueType: ValueType.INT });
  return {
    sent,
    consumed,
    processDuration: meter.createHistogram(M.ProcessDuration, {
      description: 'Duration of handler runs.',
      unit: 's',
      advice: { explicitBucketBoundaries: PROCESS_BUCKETS },
    }),
    publishToDeliver: meter.createHistogram(M.PublishToDeliver, {
      description: 'Time from the publish timestamp to the start of the handler run.',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    }),
    rejections: counter(M.Rejections, 'Inbound messages refused, by reason.', '{message}'),
    overflowDrops: counter(
      M.OverflowDrops,
      'Messages dropped by subscription queue overflow policies.',
      '{message}',
    ),
    gaps: counter(M.Gaps, 'Gap signals: intervals in which messages may have been lost.', '{gap}'),
    transportEvents: counter(M.TransportEvents, 'Transport connection events, by kind.', '{event}'),
  };
}

/** Instruments that follow the (global or given) MeterProvider, plus cached attribute sets. */
export class MetricSet {
  readonly #fixed: MeterProvider | undefined;
  readonly #noop = createNoopMeter();
  /** Connection state by transport name, read by the gauge. */
  readonly states = new Map<string, number>();
  #provider: MeterProvider | undefined;
  #instruments: Instruments | undefined;
  readonly #flows = {
    publish: new Map<string, Map<string, Attributes>>(),
    process: new Map<string, Map<string, Attributes>>(),
  };
  readonly #failures = new WeakMap<Attributes, Map<string, Attributes>>();

  constructor(provider?: MeterProvider) {
    this.#fixed = provider;
  }

  /** The instruments of the current provider, or undefined when it is the no-op one. */
  current(): Instruments | undefined {
    const provider = this.#fixed ?? metrics.getMeterProvider();
    if (provider !== this.#provider) {
      this.#provider = provider;
      const meter = provider.getMeter(SCOPE_NAME);
      this.#instruments = meter === this.#noop ? undefined : createInstruments(meter, this.states);
    }
    return this.#instruments;
  }

  /** The attribute set of one operation on one template and transport (cached: no allocation). */
  flow(operation: 'publish' | 'process', template: string, transport: string): Attributes {
    const flows = this.#flows[operation];
    let byTransport = flows.get(template);
    if (byTransport === undefined) {
      // Bounded by the registry's templates; a runaway would be a bug elsewhere, not a reason to grow.
      if (flows.size >= 4096) flows.clear();
      byTransport = new Map();
      flows.set(template, byTransport);
    }
    let attributes = byTransport.get(transport);
    if (attributes === undefined) {
      attributes = Object.freeze({
        [A.System]: 'herald',
        [A.OperationName]: operation,
        [A.DestinationTemplate]: template,
        [A.Transport]: transport,
      });
      byTransport.set(transport, attributes);
    }
    return attributes;
  }

  /** A flow's attribute set with `error.type` (cached per flow, at most 32 types). */
  failed(flow: Attributes, errorType: string): Attributes {
    let byType = this.#failures.get(flow);
    if (byType === undefined) {
      byType = new Map();
      this.#failures.set(flow, byType);
    }
    let attributes = byType.get(errorType);
    if (attributes === undefined) {
      if (byType.size >= MAX_ERROR_TYPES && errorType !== '_OTHER') {
        return this.failed(flow, '_OTHER');
      }
      attributes = Object.freeze({ ...flow, [A.ErrorType]: errorType });
      byType.set(errorType, attributes);
    }
    return attributes;
  }
}
