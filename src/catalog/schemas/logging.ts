/**
 * Logging, on `logging:{node}`: individual log entries and periodic summaries of how many
 * entries of each severity a node wrote. Levels are RFC 5424 severities.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  ComponentName,
  Context,
  Count,
  NodeId,
  Severity,
  SpanId,
  Text,
  Timestamp,
  TraceId,
} from './common.js';

/** An error attached to a log entry. */
export const LoggedError = Type.Object(
  {
    name: Text(128, 'Error class or code'),
    message: Type.String({ maxLength: 2048 }),
    stack: Type.Optional(Type.String({ maxLength: 16_384 })),
  },
  { additionalProperties: false },
);
/** An error attached to a log entry. */
export type LoggedError = Static<typeof LoggedError>;

/** One log line, structured. */
export const LogEntry = Type.Object(
  {
    node: NodeId,
    component: ComponentName,
    timestamp: Timestamp,
    level: Severity,
    message: Text(8192),
    logger: Type.Optional(Text(128, 'Logger name, e.g. http.access')),
    traceId: Type.Optional(TraceId),
    spanId: Type.Optional(SpanId),
    context: Type.Optional(Context),
    error: Type.Optional(LoggedError),
  },
  { additionalProperties: false },
);
/** One log line. */
export type LogEntry = Static<typeof LogEntry>;

/** Entries written in a window, by severity. Every severity is present, zero when none. */
export const LevelCounts = Type.Object(
  {
    emergency: Count,
    alert: Count,
    critical: Count,
    error: Count,
    warning: Count,
    notice: Count,
    info: Count,
    debug: Count,
  },
  { additionalProperties: false },
);
/** Entries written in a window, by severity. */
export type LevelCounts = Static<typeof LevelCounts>;

/** A frequent message of the window (after variable parts are masked). */
export const FrequentMessage = Type.Object(
  { message: Text(512), level: Severity, count: Count },
  { additionalProperties: false },
);
/** A frequent message of the window. */
export type FrequentMessage = Static<typeof FrequentMessage>;

/** What a node logged between `from` and `to`. */
export const LogSummary = Type.Object(
  {
    node: NodeId,
    from: Timestamp,
    to: Timestamp,
    total: Count,
    counts: LevelCounts,
    dropped: Type.Optional(Count),
    top: Type.Optional(Type.Array(FrequentMessage, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
/** What a node logged in a window. */
export type LogSummary = Static<typeof LogSummary>;
