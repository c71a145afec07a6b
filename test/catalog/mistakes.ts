/**
 * Realistic mistakes for every event of the catalogue: how to break a valid sample, and the field
 * path the validator must name when it refuses the result.
 */
import type { Catalog } from '../../src/catalog/index.js';

type Defs = Catalog['defs'];

/** A realistic mistake: how to break a valid sample, and the path the validator must report. */
export interface Mistake {
  readonly topic: keyof Defs & string;
  readonly event: string;
  readonly what: string;
  readonly path: string;
  readonly apply: (payload: Record<string, unknown>) => void;
}

const set =
  (path: string, value: unknown) =>
  (payload: Record<string, unknown>): void => {
    const keys = path.split('/').slice(1);
    let target: Record<string, unknown> = payload;
    for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
    const last = keys[keys.length - 1]!;
    if (value === undefined) delete target[last];
    else target[last] = value;
  };

const mistake = (
  topic: Mistake['topic'],
  event: string,
  what: string,
  path: string,
  value: unknown,
): Mistake => ({
  topic,
  event,
  what,
  path,
  apply: set(path, value),
});

export const mistakes: readonly Mistake[] = [
  mistake('system', 'started', 'a pid of 0', '/pid', 0),
  mistake('system', 'stopping', 'a missing reason', '/reason', undefined),
  mistake('system', 'config_changed', 'an unknown config source', '/source', 'gossip'),
  mistake('nodeHealth', 'status', 'a negative heap size', '/memory/heapUsed', -1),
  mistake(
    'nodeHealth',
    'status',
    'a check status outside pass/warn/fail',
    '/checks/1/status',
    'ok',
  ),
  mistake('clusterHealth', 'status', 'a fractional node count', '/healthyNodes', 2.5),
  mistake('clusterHealth', 'status', 'a status outside the enum', '/status', 'green'),
  mistake('metrics', 'metric', 'a metric value given as text', '/value', '23.7'),
  mistake('metrics', 'performance', 'a non-ISO timestamp', '/timestamp', '01/03/2025 12:00'),
  mistake('metrics', 'throughput', 'a negative count', '/count', -5),
  mistake('metrics', 'persistence', 'a negative rate per second', '/ratePerSecond', -0.5),
  mistake('metrics', 'bus', 'an unknown rejection reason', '/rejected/0/reason', 'Bad Signature'),
  mistake('alerts', 'raised', 'a severity outside RFC 5424', '/severity', 'urgent'),
  mistake('alerts', 'raised', 'a nested object in the context', '/context/disk', { used: 97 }),
  mistake('alerts', 'resolved', 'a missing alert id', '/alertId', undefined),
  mistake('audit', 'data_change', 'an action outside create/update/delete', '/action', 'upsert'),
  mistake(
    'audit',
    'admin_action',
    'an actor type outside user/service/system',
    '/actor/type',
    'robot',
  ),
  mistake('security', 'auth_event', 'a stray password field', '/password', 'hunter2'),
  mistake(
    'security',
    'access_violation',
    'a source address that is not an IP',
    '/sourceIp',
    'evil.example',
  ),
  mistake('diagnostics', 'debug_trace', 'a trace id that is not 32 hex digits', '/traceId', 'abc'),
  mistake('diagnostics', 'performance_analysis', 'a share above 1', '/hotspots/0/share', 1.4),
  mistake('lifecycle', 'process_started', 'a negative restart count', '/restarts', -1),
  mistake('lifecycle', 'process_exited', 'a signal name without SIG', '/signal', 'KILL'),
  mistake('logging', 'entry', 'an empty message', '/message', ''),
  mistake(
    'logging',
    'entry',
    'a message longer than 8192 characters',
    '/message',
    'x'.repeat(8193),
  ),
  mistake('logging', 'summary', 'a missing severity count', '/counts/debug', undefined),
  mistake('logging', 'summary', 'a date without time as window end', '/to', '2025-03-01'),
];
