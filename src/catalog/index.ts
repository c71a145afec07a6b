/**
 * `herald/catalog`: the standard operations catalogue.
 *
 * Topics and TypeBox schemas for the events a fleet of nodes publishes about itself — system
 * lifecycle and configuration, node and cluster health, metrics, alerts, audit, security,
 * diagnostics, process lifecycle and logging — ready to pass to `createBus({ registry: catalog })`.
 * Each schema is exported with its static type of the same name. See docs/catalog.md.
 *
 * @example
 * import { createBus } from 'herald';
 * import { catalog } from 'herald/catalog';
 * const bus = createBus({ registry: catalog, keys });
 * await bus.subscribe('health:cluster', ({ payload }) => render(payload.healthyNodes));
 */

export type { Client as CatalogClient } from './generated/client.js';
/** The typed client of the catalogue (from `herald codegen`), and its precompiled validators. */
export {
  createClient as createCatalogClient,
  validators as catalogValidators,
} from './generated/client.js';
export type { Catalog } from './registry.js';
export { catalog } from './registry.js';
export { AlertId, AlertRaised, AlertResolved } from './schemas/alerts.js';
export {
  AdminAction,
  DataAction,
  DataChange,
  FieldChange,
  Outcome,
} from './schemas/audit.js';
export {
  Actor,
  Bytes,
  ComponentName,
  Context,
  Count,
  DottedName,
  DurationMs,
  IpAddress,
  LatencyMs,
  MemoryUsage,
  NodeId,
  RatePerSecond,
  Scalar,
  Severity,
  SpanId,
  severities,
  Tags,
  Timestamp,
  TraceId,
} from './schemas/common.js';
export { DebugTrace, Hotspot, PerformanceAnalysis } from './schemas/diagnostics.js';
export {
  BusCounters,
  CheckStatus,
  ClusterHealth,
  ClusterHealthV2,
  ClusterMember,
  ClusterPresence,
  HealthCheck,
  HealthStatus,
  NodeHealth,
  NodeHealthV2,
  TransportHealth,
} from './schemas/health.js';
export {
  ExitReason,
  Pid,
  ProcessExited,
  ProcessName,
  ProcessStarted,
} from './schemas/lifecycle.js';
export {
  FrequentMessage,
  LevelCounts,
  LogEntry,
  LoggedError,
  LogSummary,
} from './schemas/logging.js';
export {
  BusMetrics,
  MetricKind,
  MetricSample,
  PerformanceMetrics,
  PersistenceMetrics,
  PersistenceOperation,
  QueueDepths,
  RejectionCount,
  ThroughputMetrics,
} from './schemas/metrics.js';
export {
  AccessViolation,
  AuthEvent,
  AuthKind,
  AuthMethod,
  ViolationKind,
} from './schemas/security.js';
export {
  ConfigChange,
  ConfigChanged,
  ConfigSource,
  SystemStarted,
  SystemStopping,
} from './schemas/system.js';
