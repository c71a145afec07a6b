/**
 * `herald/ops`: the operations broadcaster. A feature of the bus that publishes the node's
 * health (`health:node:{node}`) and its bus metrics (`metrics:{component}`) at jittered
 * intervals, `system` started and stopping on start and stop, the cluster's health
 * (`health:cluster`) from presence — which nodes are up, which were lost — and one-call helpers
 * for alerts, lifecycle, configuration changes and metrics. Topics and payloads are those of the
 * catalogue (`herald/catalog`). See docs/operations.md.
 *
 * @example
 * import { createBus } from 'herald';
 * import { catalog } from 'herald/catalog';
 * import { operations } from 'herald/ops';
 * const ops = operations({ healthIntervalMs: 10_000 });
 * const bus = createBus({ registry: catalog, keys, features: [ops] });
 * await bus.start();
 * await ops.alert('node_failure', 'critical', 'Node down', { node: 'n1' });
 */

export { LOST_RETENTION_MS } from './cluster.js';
export { OPS_CHANNEL, operations } from './operations.js';
export { jittered } from './schedule.js';
export { MAX_INTERVAL_MS, MIN_INTERVAL_MS, OPS_DEFAULTS, OPS_ENV } from './settings.js';
export type {
  AlertOptions,
  CheckResult,
  HealthCheckFn,
  IntervalChange,
  LifecycleFields,
  Operations,
  OperationsOptions,
  OperationsStatus,
} from './types.js';
