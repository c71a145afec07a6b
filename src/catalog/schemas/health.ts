/**
 * Node and cluster health, on `health:node:{node}` and `health:cluster`.
 *
 * Node status is `healthy`, `degraded` or `unhealthy`; individual checks report `pass`, `warn` or
 * `fail`, the vocabulary of the IETF draft "Health Check Response Format for HTTP APIs"
 * (draft-inadarei-api-health-check).
 */
import { type Static, Type } from '@sinclair/typebox';
import { Count, DurationMs, LatencyMs, MemoryUsage, NodeId, Text, Timestamp } from './common.js';

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

/** The transport a node's bus uses, and its connection state (`bus.transport()`). */
export const TransportHealth = Type.Object(
  {
    name: Text(64, 'Active transport, e.g. redis, postgres, local'),
    state: Text(32, 'idle, connecting, connected, reconnecting or closed'),
    channels: Type.Optional(Count),
  },
  { additionalProperties: false },
);
/** The transport of a node's bus. */
export type TransportHealth = Static<typeof TransportHealth>;

/** The bus counters of a node since its start (`bus.stats()`). */
export const BusCounters = Type.Object(
  {
    published: Count,
    sent: Count,
    received: Count,
    delivered: Count,
    rejected: Count,
    handlerErrors: Count,
    overflowDrops: Count,
    gaps: Count,
  },
  { additionalProperties: false, description: 'Bus counters since start' },
);
/** The bus counters of a node since its start. */
export type BusCounters = Static<typeof BusCounters>;

/**
 * Version 2 of a node's health: version 1 plus where it runs (hostname, pid), its event-loop
 * delay, its transport and its bus counters, as the operations broadcaster (herald/ops) sends it.
 * Every added field is optional, so a version 1 value is a version 2 value.
 */
export const NodeHealthV2 = Type.Object(
  {
    ...NodeHealth.properties,
    hostname: Type.Optional(Text(253, 'Host the node runs on')),
    pid: Type.Optional(Type.Integer({ minimum: 1, description: 'Operating-system process id' })),
    eventLoopDelayMs: Type.Optional(LatencyMs),
    transport: Type.Optional(TransportHealth),
    bus: Type.Optional(BusCounters),
  },
  { additionalProperties: false },
);
/** The health of one node, version 2. */
export type NodeHealthV2 = Static<typeof NodeHealthV2>;

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

/**
 * Version 2 of the cluster's health: version 1 plus `lost`, the nodes that went silent without
 * saying they stop (killed, crashed, partitioned), by name. A node that stops gracefully is not
 * lost; a lost node that comes back leaves the list.
 */
export const ClusterHealthV2 = Type.Object(
  {
    ...ClusterHealth.properties,
    lost: Type.Optional(Type.Array(NodeId, { maxItems: 1024 })),
  },
  { additionalProperties: false },
);
/** The health of the whole cluster, version 2. */
export type ClusterHealthV2 = Static<typeof ClusterHealthV2>;

/**
 * What each node running the operations broadcaster tracks in presence on `health:cluster`
 * (key: its node id): the cluster view is built from these.
 */
export const ClusterPresence = Type.Object(
  {
    status: HealthStatus,
    hostname: Text(253, 'Host the node runs on'),
    pid: Type.Integer({ minimum: 1 }),
    startedAt: Timestamp,
    stopping: Type.Optional(Type.Boolean({ description: 'Set just before a graceful stop' })),
  },
  { additionalProperties: false },
);
/** A node's presence meta on `health:cluster`. */
export type ClusterPresence = Static<typeof ClusterPresence>;
