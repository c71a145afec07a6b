/**
 * Node and cluster health, on `health:node:{node}` and `health:cluster`.
 *
 * Node status is `healthy`, `degraded` or `unhealthy`; individual checks report `pass`, `warn` or
 * `fail`, the vocabulary of the IETF draft "Health Check Response Format for HTTP APIs"
 * (draft-inadarei-api-health-check).
 */
import { type Static, Type } from '@sinclair/typebox';
import { Count, DurationMs, MemoryUsage, NodeId, Text, Timestamp } from './common.js';

/** Overall status of a node or of the cluster. */
export const HealthStatus = Type.Union([
  Type.Literal('healthy'),
  Type.Literal('degraded'),
  Type.Literal('unhealthy'),
]);
/** Overall status of a node or of the cluster. */
export type HealthStatus = Static<typeof HealthStatus>;

/** Outcome of one health check. */
export const CheckStatus = Type.Union([
  Type.Literal('pass'),
  Type.Literal('warn'),
  Type.Literal('fail'),
]);
/** Outcome of one health check. */
export type CheckStatus = Static<typeof CheckStatus>;

/** One health check (database ping, disk space, upstream API, ...). */
export const HealthCheck = Type.Object(
  {
    name: Text(64, 'Check name, e.g. postgres or disk'),
    status: CheckStatus,
    durationMs: DurationMs,
    message: Type.Optional(Text(512, 'What the check found, for humans')),
  },
  { additionalProperties: false },
);
/** One health check. */
export type HealthCheck = Static<typeof HealthCheck>;

/** The health of one node, reported periodically and on every status change. */
export const NodeHealth = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    status: HealthStatus,
    uptimeSeconds: Type.Number({ minimum: 0 }),
    memory: MemoryUsage,
    cpuPercent: Type.Optional(
      Type.Number({ minimum: 0, description: 'Process CPU use; above 100 on several cores' }),
    ),
    checks: Type.Array(HealthCheck, { maxItems: 64 }),
  },
  { additionalProperties: false },
);
/** The health of one node. */
export type NodeHealth = Static<typeof NodeHealth>;

/** One node as the cluster view sees it. */
export const ClusterMember = Type.Object(
  {
    node: NodeId,
    status: HealthStatus,
    lastSeen: Timestamp,
  },
  { additionalProperties: false },
);
/** One node as the cluster view sees it. */
export type ClusterMember = Static<typeof ClusterMember>;

/**
 * The health of the whole cluster, as computed by the node in `reporter`. Nodes that stopped
 * reporting count as unhealthy, so `healthyNodes + degradedNodes + unhealthyNodes = totalNodes`.
 */
export const ClusterHealth = Type.Object(
  {
    reporter: NodeId,
    timestamp: Timestamp,
    status: HealthStatus,
    totalNodes: Count,
    healthyNodes: Count,
    degradedNodes: Count,
    unhealthyNodes: Count,
    nodes: Type.Optional(Type.Array(ClusterMember, { maxItems: 1024 })),
  },
  { additionalProperties: false },
);
/** The health of the whole cluster. */
export type ClusterHealth = Static<typeof ClusterHealth>;
