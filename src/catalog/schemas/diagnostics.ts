/**
 * Diagnostics, on `diagnostics:{node}`: debug traces and performance analyses that an operator
 * turns on for one node while investigating it.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  ComponentName,
  Context,
  Count,
  DottedName,
  DurationMs,
  LatencyMs,
  NodeId,
  SpanId,
  Text,
  Timestamp,
  TraceId,
} from './common.js';

/** A debug record of one operation, linked to its distributed trace. */
export const DebugTrace = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    traceId: TraceId,
    spanId: Type.Optional(SpanId),
    operation: DottedName,
    message: Text(4096),
    durationMs: Type.Optional(DurationMs),
    attributes: Type.Optional(Context),
  },
  { additionalProperties: false },
);
/** A debug record of one operation. */
export type DebugTrace = Static<typeof DebugTrace>;

/** Where time went: one function, query or call site of a profile. */
export const Hotspot = Type.Object(
  {
    name: Text(256, 'Function, query or call site'),
    calls: Count,
    selfMs: DurationMs,
    totalMs: DurationMs,
    share: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of the window' }),
  },
  { additionalProperties: false },
);
/** Where time went. */
export type Hotspot = Static<typeof Hotspot>;

/** The result of profiling one operation on one node over a window. */
export const PerformanceAnalysis = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    operation: DottedName,
    windowMs: Type.Number({ exclusiveMinimum: 0 }),
    samples: Count,
    latencyMs: LatencyMs,
    hotspots: Type.Array(Hotspot, { maxItems: 50 }),
    recommendation: Type.Optional(Text(1024)),
  },
  { additionalProperties: false },
);
/** The result of profiling one operation. */
export type PerformanceAnalysis = Static<typeof PerformanceAnalysis>;
