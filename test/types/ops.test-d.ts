/**
 * Types of the operations broadcaster (herald/ops): every helper is typed from the catalogue, so
 * a severity outside RFC 5424, a missing or unknown field, or a field the broadcaster fills
 * itself does not compile; reports and the cluster view carry the catalogue's payload types.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { PublishReceipt } from '../../src/bus/types.js';
import type { ClusterHealthV2, Severity } from '../../src/catalog/index.js';
import { type Operations, operations } from '../../src/ops/index.js';
import type { Instrumentation } from '../../src/telemetry/types.js';

declare const ops: Operations;

describe('the helpers of herald/ops', () => {
  it('types alert from the catalogue: severity, context of scalars, optional id', () => {
    expectTypeOf(ops.alert('node_failure', 'critical', 'Node down', { node: 'n1' })).toEqualTypeOf<
      Promise<PublishReceipt | undefined>
    >();
    expectTypeOf(ops.alert).parameter(1).toEqualTypeOf<Severity>();
    // @ts-expect-error 'urgent' is not an RFC 5424 severity
    void ops.alert('node_failure', 'urgent', 'Node down');
    // @ts-expect-error the context holds scalars only
    void ops.alert('disk.full', 'warning', 'Disk', { disk: { used: 97 } });
    void ops.alert('disk.full', 'warning', 'Disk', undefined, {
      alertId: 'disk:/var',
      component: 'db',
    });
  });

  it('fills node and timestamp: callers neither must nor may pass them', () => {
    void ops.metric('http', {
      name: 'http.requests',
      value: 3,
      unit: '{request}',
      kind: 'counter',
    });
    // @ts-expect-error node is filled by the broadcaster
    void ops.metric('http', { name: 'http.requests', value: 3, unit: '{request}', node: 'x' });
    // @ts-expect-error value is required
    void ops.metric('http', { name: 'http.requests', unit: '{request}' });
    void ops.configChanged({ source: 'api', changes: [{ key: 'a', before: 1, after: 2 }] });
    // @ts-expect-error 'git' is not a configuration source
    void ops.configChanged({ source: 'git', changes: [{ key: 'a' }] });
    void ops.resolveAlert('disk.full', 'warning', { activeMs: 10, resolvedBy: 'ops' });
    // @ts-expect-error activeMs is required when resolving
    void ops.resolveAlert('disk.full', 'warning', {});
  });

  it('types lifecycle by its event: each event needs its own fields', () => {
    void ops.lifecycle({ event: 'process_started', process: 'w1', pid: 12, restarts: 0 });
    void ops.lifecycle({
      event: 'process_exited',
      process: 'w1',
      pid: 12,
      exitCode: null,
      signal: 'SIGKILL',
      reason: 'killed',
      uptimeSeconds: 3,
      willRestart: true,
    });
    // @ts-expect-error an exit needs its code, signal, reason and uptime
    void ops.lifecycle({ event: 'process_exited', process: 'w1', pid: 12, restarts: 0 });
    // @ts-expect-error no such lifecycle event
    void ops.lifecycle({ event: 'process_paused', process: 'w1', pid: 12 });
  });

  it('returns the catalogue types from control and reports', () => {
    expectTypeOf(ops.cluster()).toEqualTypeOf<ClusterHealthV2>();
    expectTypeOf(ops.cluster().lost).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(ops.enabled).toEqualTypeOf<boolean>();
    expectTypeOf(ops.timing()).toEqualTypeOf<Instrumentation>();
    expectTypeOf(ops.status().sent.health).toEqualTypeOf<number>();
    // @ts-expect-error intervals are numbers of ms
    ops.setIntervals({ healthIntervalMs: '5s' });
    // @ts-expect-error checks return an IETF status
    operations({ checks: { db: () => ({ status: 'ok' }) } });
  });
});
