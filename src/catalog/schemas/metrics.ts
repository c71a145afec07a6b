/**
 * Performance, throughput and persistence metrics, on `metrics:{component}`.
 *
 * `metric` carries one named measurement (OpenTelemetry-style name, value, unit, tags);
 * `performance`, `throughput` and `persistence` carry the aggregates a dashboard charts for a
 * component over a window of `windowMs` milliseconds ending at `timestamp`.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  Bytes,
  ComponentName,
  Count,
  DottedName,
  DurationMs,
  LatencyMs,
  MemoryUsage,
  NodeId,
  RatePerSecond,
  Tags,
  Text,
  Timestamp,
} from './common.js';

/** The kind of a single measurement, as in OpenTelemetry's instrument kinds. */
export const MetricKind = Type.Union([
  Type.Literal('gauge'),
  Type.Literal('counter'),
  Type.Literal('histogram'),
]);
/** The kind of a single measurement. */
export type MetricKind = Static<typeof MetricKind>;

/** One named measurement from one component of one node. */
export const MetricSample = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    name: DottedName,
    value: Type.Number(),
    unit: Text(32, 'UCUM-style unit, e.g. ms, By, {request}/s, %'),
    kind: Type.Optional(MetricKind),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
/** One named measurement. */
export type MetricSample = Static<typeof MetricSample>;

/** Latency, CPU and memory of a component over a window. */
export const PerformanceMetrics = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    windowMs: Type.Number({ exclusiveMinimum: 0 }),
    latencyMs: LatencyMs,
    cpuPercent: Type.Number({ minimum: 0, description: 'Above 100 on several cores' }),
    eventLoopLagMs: Type.Optional(DurationMs),
    memory: MemoryUsage,
  },
  { additionalProperties: false },
);
/** Latency, CPU and memory of a component over a window. */
export type PerformanceMetrics = Static<typeof PerformanceMetrics>;

/** How many operations a component completed over a window, and how fast. */
export const ThroughputMetrics = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    operation: DottedName,
    windowMs: Type.Number({ exclusiveMinimum: 0 }),
    count: Count,
    errors: Count,
    ratePerSecond: RatePerSecond,
    bytes: Type.Optional(Bytes),
  },
  { additionalProperties: false },
);
/** Operations completed over a window. */
export type ThroughputMetrics = Static<typeof ThroughputMetrics>;

/** A storage operation kind. */
export const PersistenceOperation = Type.Union([
  Type.Literal('read'),
  Type.Literal('write'),
  Type.Literal('delete'),
  Type.Literal('flush'),
  Type.Literal('snapshot'),
  Type.Literal('compaction'),
  Type.Literal('replication'),
]);
/** A storage operation kind. */
export type PersistenceOperation = Static<typeof PersistenceOperation>;

/** Storage activity of a component over a window: database, cache, queue or disk. */
export const PersistenceMetrics = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    store: Text(64, 'Which store, e.g. postgres, redis, s3'),
    operation: PersistenceOperation,
    windowMs: Type.Number({ exclusiveMinimum: 0 }),
    count: Count,
    failures: Count,
    durationMs: Type.Object(
      { total: DurationMs, max: DurationMs },
      { additionalProperties: false, description: 'Time spent in the operations' },
    ),
    ratePerSecond: RatePerSecond,
    bytes: Bytes,
    queueDepth: Type.Optional(Count),
  },
  { additionalProperties: false },
);
/** Storage activity of a component over a window. */
export type PersistenceMetrics = Static<typeof PersistenceMetrics>;

/** Queue depths of a bus's subscriptions at the end of a window. */
export const QueueDepths = Type.Object(
  {
    subscriptions: Count,
    pending: Count,
    maxPending: Count,
  },
  { additionalProperties: false, description: 'Subscriptions and messages waiting for handlers' },
);
/** Queue depths of a bus's subscriptions. */
export type QueueDepths = Static<typeof QueueDepths>;

/** Rejected inbound messages of one reason (`bad_signature`, `replay`, ...) over a window. */
export const RejectionCount = Type.Object(
  {
    reason: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'Rejection reason' }),
    count: Count,
  },
  { additionalProperties: false },
);
/** Rejected inbound messages of one reason. */
export type RejectionCount = Static<typeof RejectionCount>;

/**
 * What a node's bus did over a window (the operations broadcaster's `metrics:{component}` report):
 * messages published, sent, received and delivered, rejections by reason, queue depths, and
 * handler time when it is measured. Counts are of the window, not since start.
 */
export const BusMetrics = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    windowMs: Type.Number({ exclusiveMinimum: 0 }),
    published: Count,
    sent: Count,
    received: Count,
    delivered: Count,
    publishedPerSecond: RatePerSecond,
    deliveredPerSecond: RatePerSecond,
    rejected: Type.Array(RejectionCount, {
      maxItems: 64,
      description: 'Rejections by reason in the window; reasons with none are left out',
    }),
    rejectedTotal: Count,
    handlerErrors: Count,
    overflowDrops: Count,
    gaps: Count,
    queues: QueueDepths,
    handlerMs: Type.Optional(LatencyMs),
  },
  { additionalProperties: false },
);
/** What a node's bus did over a window. */
export type BusMetrics = Static<typeof BusMetrics>;
