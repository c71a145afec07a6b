/**
 * The one-call helpers: alerts, process lifecycle, configuration changes and metric samples,
 * each typed from the catalogue and published with `node` and `timestamp` filled by the
 * broadcaster (hostname and pid are filled in the reports whose schema has them: `system`
 * started and node health). Like ExESDB's `broadcast_alert(:node_failure, :critical, ...)`.
 */
import type { PublishReceipt } from '../bus/types.js';
import type { Severity } from '../catalog/index.js';
import type { Operations } from './types.js';

/** What the helpers need: the node id, the clock and a publish that honours `enabled`. */
export interface HelperContext {
  readonly nodeId: string;
  readonly now: () => number;
  publish(topic: string, event: string, payload: object): Promise<PublishReceipt | undefined>;
}

type Helpers = Pick<
  Operations,
  'alert' | 'resolveAlert' | 'lifecycle' | 'configChanged' | 'metric'
>;

/** The helpers of one broadcaster. */
export function createHelpers(h: HelperContext): Helpers {
  const filled = () => ({ node: h.nodeId, timestamp: new Date(h.now()).toISOString() });
  const alertId = (type: string, given: string | undefined): string =>
    given ?? `${type}@${h.nodeId}`;
  const alerts = (severity: Severity): string => `alerts:${severity}`;
  return {
    alert(type, severity, message, context, options) {
      return h.publish(alerts(severity), 'raised', {
        alertId: alertId(type, options?.alertId),
        type,
        severity,
        message,
        ...filled(),
        ...(options?.component === undefined ? {} : { component: options.component }),
        ...(context === undefined ? {} : { context }),
      });
    },
    resolveAlert(type, severity, fields, options) {
      return h.publish(alerts(severity), 'resolved', {
        ...fields,
        alertId: alertId(type, options?.alertId),
        type,
        severity,
        ...filled(),
      });
    },
    lifecycle({ event, ...fields }) {
      return h.publish(`lifecycle:${h.nodeId}`, event, { ...fields, ...filled() });
    },
    configChanged(fields) {
      return h.publish(`system:${h.nodeId}`, 'config_changed', { ...fields, ...filled() });
    },
    metric(component, fields) {
      return h.publish(`metrics:${component}`, 'metric', { ...fields, component, ...filled() });
    },
  };
}
