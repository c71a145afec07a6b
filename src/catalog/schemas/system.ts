/**
 * System lifecycle and configuration events, on `system:{node}`: a node started, a node is
 * stopping, a node's configuration changed.
 */
import { type Static, Type } from '@sinclair/typebox';
import { DurationMs, NodeId, Scalar, Text, Timestamp } from './common.js';

/** A node finished starting and serves traffic. */
export const SystemStarted = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    version: Text(64, 'Version of the service, e.g. 2.4.1'),
    hostname: Text(253, 'Host the node runs on'),
    pid: Type.Integer({ minimum: 1, description: 'Operating-system process id' }),
    environment: Type.Optional(Text(32, 'Deployment environment, e.g. production')),
    startupMs: DurationMs,
  },
  { additionalProperties: false },
);
/** A node finished starting. */
export type SystemStarted = Static<typeof SystemStarted>;

/** A node began shutting down. */
export const SystemStopping = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    reason: Text(256, 'Why it stops, e.g. SIGTERM, deploy, scale-in'),
    graceful: Type.Boolean({ description: 'False when in-flight work may be lost' }),
    uptimeSeconds: Type.Number({ minimum: 0 }),
    drainTimeoutMs: Type.Optional(DurationMs),
  },
  { additionalProperties: false },
);
/** A node began shutting down. */
export type SystemStopping = Static<typeof SystemStopping>;

/** Where a configuration change came from. */
export const ConfigSource = Type.Union([
  Type.Literal('file'),
  Type.Literal('env'),
  Type.Literal('remote'),
  Type.Literal('api'),
  Type.Literal('cli'),
]);
/** Where a configuration change came from. */
export type ConfigSource = Static<typeof ConfigSource>;

/** One changed configuration key. Secret values are never sent: `redacted` is true instead. */
export const ConfigChange = Type.Object(
  {
    key: Text(256, 'Dotted configuration key, e.g. http.timeoutMs'),
    before: Type.Optional(Scalar),
    after: Type.Optional(Scalar),
    redacted: Type.Optional(Type.Boolean({ description: 'Values omitted because secret' })),
  },
  { additionalProperties: false },
);
/** One changed configuration key. */
export type ConfigChange = Static<typeof ConfigChange>;

/** A node applied a configuration change. */
export const ConfigChanged = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    source: ConfigSource,
    revision: Type.Optional(Text(128, 'Revision or checksum of the new configuration')),
    changedBy: Type.Optional(Text(128, 'Who or what made the change')),
    changes: Type.Array(ConfigChange, { minItems: 1, maxItems: 200 }),
  },
  { additionalProperties: false },
);
/** A node applied a configuration change. */
export type ConfigChanged = Static<typeof ConfigChanged>;
