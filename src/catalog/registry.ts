/**
 * The standard operations catalogue: the topics a fleet of nodes publishes about itself and that
 * dashboards, pagers and audit stores consume.
 *
 * | topic                 | events                                               |
 * | --------------------- | ---------------------------------------------------- |
 * | `system:{node}`       | `started`, `stopping`, `config_changed`              |
 * | `health:node:{node}`  | `status`                                             |
 * | `health:cluster`      | `status`                                             |
 * | `metrics:{component}` | `metric`, `performance`, `throughput`, `persistence` |
 * | `alerts:{severity}`   | `raised`, `resolved`                                 |
 * | `audit`               | `data_change`, `admin_action`                        |
 * | `security`            | `auth_event`, `access_violation`                     |
 * | `diagnostics:{node}`  | `debug_trace`, `performance_analysis`                |
 * | `lifecycle:{node}`    | `process_started`, `process_exited`                  |
 * | `logging:{node}`      | `entry`, `summary`                                   |
 *
 * Low-volume streams that a consumer wants whole (audit, security, cluster health) are single
 * topics; high-volume ones are split by node or component so that a consumer subscribes only to
 * what it shows. See docs/catalog.md.
 */
import { Type } from '@sinclair/typebox';
import { defineTopics, event, topic } from '../schemas/define.js';
import { AlertRaised, AlertResolved } from './schemas/alerts.js';
import { AdminAction, DataChange } from './schemas/audit.js';
import { ComponentName, NodeId, severities } from './schemas/common.js';
import { DebugTrace, PerformanceAnalysis } from './schemas/diagnostics.js';
import { ClusterHealth, NodeHealth } from './schemas/health.js';
import { ProcessExited, ProcessStarted } from './schemas/lifecycle.js';
import { LogEntry, LogSummary } from './schemas/logging.js';
import {
  MetricSample,
  PerformanceMetrics,
  PersistenceMetrics,
  ThroughputMetrics,
} from './schemas/metrics.js';
import { AccessViolation, AuthEvent } from './schemas/security.js';
import { ConfigChanged, SystemStarted, SystemStopping } from './schemas/system.js';

const description =
  'Standard operations topics: system lifecycle and configuration, node and cluster health, ' +
  'metrics, alerts, audit, security, diagnostics, process lifecycle and logging.';

/** The `severity` parameter of `alerts:{severity}`: one of the eight RFC 5424 names. */
const SeverityParam = Type.String({ pattern: `^(${severities.join('|')})$` });

/** The standard operations catalogue, as a checked registry. */
export const catalog = defineTopics(
  {
    system: topic('system:{node}', {
      wildcard: true,
      description: 'Lifecycle and configuration of one node.',
      params: { node: NodeId },
      events: {
        started: event(SystemStarted, {
          version: 1,
          description: 'The node finished starting and serves traffic.',
        }),
        stopping: event(SystemStopping, {
          version: 1,
          description: 'The node began shutting down.',
        }),
        config_changed: event(ConfigChanged, {
          version: 1,
          description: 'The node applied a configuration change; secret values are redacted.',
        }),
      },
    }),
    nodeHealth: topic('health:node:{node}', {
      wildcard: true,
      description: 'Health of one node: status, checks and memory usage.',
      params: { node: NodeId },
      events: {
        status: event(NodeHealth, {
          version: 1,
          description: 'Periodic and on-change health report of a node.',
        }),
      },
    }),
    clusterHealth: topic('health:cluster', {
      description: 'Health of the whole cluster, aggregated from node reports.',
      events: {
        status: event(ClusterHealth, {
          version: 1,
          description: 'How many nodes are healthy, degraded and unhealthy.',
        }),
      },
    }),
    metrics: topic('metrics:{component}', {
      wildcard: true,
      description: 'Measurements of one component, from every node that runs it.',
      params: { component: ComponentName },
      events: {
        metric: event(MetricSample, {
          version: 1,
          description: 'One named measurement with its unit and tags.',
        }),
        performance: event(PerformanceMetrics, {
          version: 1,
          description: 'Latency percentiles, CPU and memory over a window.',
        }),
        throughput: event(ThroughputMetrics, {
          version: 1,
          description: 'Operations completed over a window: count, errors, rate per second.',
        }),
        persistence: event(PersistenceMetrics, {
          version: 1,
          description: 'Storage activity over a window: operations, bytes, time, failures.',
        }),
      },
    }),
    alerts: topic('alerts:{severity}', {
      wildcard: true,
      description: 'Alerts of one RFC 5424 severity (alerts:critical, alerts:warning, ...).',
      params: { severity: SeverityParam },
      events: {
        raised: event(AlertRaised, {
          version: 1,
          description: 'An alert fired: type, severity, message and context.',
        }),
        resolved: event(AlertResolved, {
          version: 1,
          description: 'An alert cleared, by itself or by a person.',
        }),
      },
    }),
    audit: topic('audit', {
      description: 'Audit trail: who changed which data, and privileged actions.',
      events: {
        data_change: event(DataChange, {
          version: 1,
          description: 'A record was created, updated or deleted.',
        }),
        admin_action: event(AdminAction, {
          version: 1,
          description: 'An administrator performed a privileged action.',
        }),
      },
    }),
    security: topic('security', {
      description: 'Authentication outcomes and refused accesses.',
      events: {
        auth_event: event(AuthEvent, {
          version: 1,
          description: 'A login, logout or token step succeeded or failed.',
        }),
        access_violation: event(AccessViolation, {
          version: 1,
          description: 'A request was refused by an access rule.',
        }),
      },
    }),
    diagnostics: topic('diagnostics:{node}', {
      wildcard: true,
      description: 'Debug traces and profiles of one node under investigation.',
      params: { node: NodeId },
      events: {
        debug_trace: event(DebugTrace, {
          version: 1,
          description: 'A debug record of one operation, linked to its trace.',
        }),
        performance_analysis: event(PerformanceAnalysis, {
          version: 1,
          description: 'Where time went in one operation over a window.',
        }),
      },
    }),
    lifecycle: topic('lifecycle:{node}', {
      wildcard: true,
      description: 'Worker and child processes supervised by one node.',
      params: { node: NodeId },
      events: {
        process_started: event(ProcessStarted, {
          version: 1,
          description: 'A supervised process started.',
        }),
        process_exited: event(ProcessExited, {
          version: 1,
          description: 'A supervised process exited, with its code or signal.',
        }),
      },
    }),
    logging: topic('logging:{node}', {
      wildcard: true,
      description: 'Structured log entries and summaries of one node.',
      params: { node: NodeId },
      events: {
        entry: event(LogEntry, { version: 1, description: 'One structured log line.' }),
        summary: event(LogSummary, {
          version: 1,
          description: 'How many entries of each severity the node wrote in a window.',
        }),
      },
    }),
  },
  { title: 'Herald operations catalogue', version: '1.0.0', description },
);

/** The catalogue's type, for generated clients and helpers. */
export type Catalog = typeof catalog;
