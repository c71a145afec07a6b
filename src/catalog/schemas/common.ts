/**
 * Shared building blocks of the operations catalogue: timestamps, node and component names,
 * severities, memory usage, tags and small context maps.
 *
 * Every string is bounded, every count is a non-negative integer, and every duration is a
 * non-negative number of milliseconds, so a consumer can store and chart payloads without
 * guarding against absurd values. Names used as topic parameters (node, component) exclude `:`,
 * the topic separator.
 */
import { type Static, Type } from '@sinclair/typebox';

/** An ISO-8601 / RFC 3339 date-time with an offset, e.g. `2025-03-01T12:00:00.000Z`. */
export const Timestamp = Type.String({
  format: 'date-time',
  maxLength: 64,
  description: 'RFC 3339 date-time with offset, e.g. 2025-03-01T12:00:00.000Z',
});
/** An ISO-8601 date-time string. */
export type Timestamp = Static<typeof Timestamp>;

/** A node id: 1-64 of `[A-Za-z0-9_.-]`, the same rule as the bus's `nodeId`. */
export const NodeId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.-]+$',
  description: 'Node id (1-64 of [A-Za-z0-9_.-])',
});
/** A node id. */
export type NodeId = Static<typeof NodeId>;

/** A component or subsystem name (`api`, `db.pool`, `worker-3`): 1-64 of `[A-Za-z0-9_.-]`. */
export const ComponentName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.-]+$',
  description: 'Component name (1-64 of [A-Za-z0-9_.-])',
});
/** A component name. */
export type ComponentName = Static<typeof ComponentName>;

/** A dotted lower-case identifier (`http.server.duration`, `disk_full`): at most 128 characters. */
export const DottedName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$',
  description: 'Dotted lower-case identifier, e.g. http.server.duration',
});
/** A dotted lower-case identifier. */
export type DottedName = Static<typeof DottedName>;

/**
 * Severities of RFC 5424 §6.2.1, most severe first (numeric codes 0-7). Shared by alerts,
 * security events and log entries.
 */
export const severities = [
  'emergency',
  'alert',
  'critical',
  'error',
  'warning',
  'notice',
  'info',
  'debug',
] as const;

/** One RFC 5424 severity name. */
export const Severity = Type.Union(
  severities.map((name) => Type.Literal(name)),
  { description: 'RFC 5424 severity name' },
);
/** One RFC 5424 severity name. */
export type Severity = (typeof severities)[number];

/** A count of things: a non-negative integer. */
export const Count = Type.Integer({ minimum: 0 });
/** A duration in milliseconds: a non-negative number. */
export const DurationMs = Type.Number({ minimum: 0 });
/** A rate per second: a non-negative number. */
export const RatePerSecond = Type.Number({ minimum: 0 });
/** A size in bytes: a non-negative integer. */
export const Bytes = Type.Integer({ minimum: 0 });

/** Bounded free text of at most `max` characters (at least one). */
export function Text(max: number, description?: string) {
  return Type.String({
    minLength: 1,
    maxLength: max,
    ...(description === undefined ? {} : { description }),
  });
}

/** Memory usage of a Node.js process in bytes, as `process.memoryUsage()` reports it. */
export const MemoryUsage = Type.Object(
  {
    rss: Bytes,
    heapUsed: Bytes,
    heapTotal: Bytes,
    external: Bytes,
    arrayBuffers: Type.Optional(Bytes),
  },
  { additionalProperties: false, description: 'process.memoryUsage(), in bytes' },
);
/** Memory usage in bytes. */
export type MemoryUsage = Static<typeof MemoryUsage>;

/** Latency percentiles of a window, in milliseconds. */
export const LatencyMs = Type.Object(
  {
    p50: DurationMs,
    p95: DurationMs,
    p99: DurationMs,
    max: DurationMs,
    mean: Type.Optional(DurationMs),
  },
  { additionalProperties: false, description: 'Latency percentiles in milliseconds' },
);
/** Latency percentiles in milliseconds. */
export type LatencyMs = Static<typeof LatencyMs>;

const KEY = '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$';

/** Labels attached to a measurement: up to 32 string pairs, keys of 1-64 characters. */
export const Tags = Type.Record(Type.String({ pattern: KEY }), Type.String({ maxLength: 256 }), {
  maxProperties: 32,
  additionalProperties: false,
  description: 'Up to 32 labels; keys match [A-Za-z_][A-Za-z0-9_.-]{0,63}',
});
/** Labels of a measurement. */
export type Tags = Static<typeof Tags>;

/** A JSON scalar: bounded string, number, boolean or null. */
export const Scalar = Type.Union([
  Type.String({ maxLength: 1024 }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);
/** A JSON scalar. */
export type Scalar = Static<typeof Scalar>;

/** Flat structured context: up to 32 scalar values by key. Nested objects are not allowed. */
export const Context = Type.Record(Type.String({ pattern: KEY }), Scalar, {
  maxProperties: 32,
  additionalProperties: false,
  description: 'Up to 32 scalar values; keys match [A-Za-z_][A-Za-z0-9_.-]{0,63}',
});
/** Flat structured context. */
export type Context = Static<typeof Context>;

/** Who did something: a user, a service or the system itself. */
export const Actor = Type.Object(
  {
    type: Type.Union([Type.Literal('user'), Type.Literal('service'), Type.Literal('system')]),
    id: Text(128, 'Stable id of the user or service'),
    name: Type.Optional(Text(256, 'Display name')),
  },
  { additionalProperties: false },
);
/** Who did something. */
export type Actor = Static<typeof Actor>;

/** An IPv4 or IPv6 address literal (no port, no zone). */
export const IpAddress = Type.String({
  minLength: 2,
  maxLength: 45,
  pattern: '^(\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$',
  description: 'IPv4 or IPv6 address literal',
});
/** An IP address literal. */
export type IpAddress = Static<typeof IpAddress>;

/** A W3C trace id: 32 lower-case hex digits. */
export const TraceId = Type.String({ pattern: '^[0-9a-f]{32}$', description: 'W3C trace id' });
/** A W3C trace id. */
export type TraceId = Static<typeof TraceId>;

/** A W3C span id: 16 lower-case hex digits. */
export const SpanId = Type.String({ pattern: '^[0-9a-f]{16}$', description: 'W3C span id' });
/** A W3C span id. */
export type SpanId = Static<typeof SpanId>;
