/**
 * Realistic payloads for every event of the catalogue. The `Samples` type makes a missing event
 * or a wrong payload shape a compile error, so the samples stay complete as the catalogue grows.
 */
import type { Catalog } from '../../src/catalog/index.js';
import type { EventNames, PayloadOf } from '../../src/schemas/define.js';

type Defs = Catalog['defs'];

/** One valid payload per topic key and event. */
export type Samples = {
  readonly [T in keyof Defs]: { readonly [E in EventNames<Defs[T]>]: PayloadOf<Defs[T], E> };
};

const at = '2025-03-01T12:00:00.000Z';
const memory = {
  rss: 182_452_224,
  heapUsed: 61_341_680,
  heapTotal: 94_371_840,
  external: 3_145_728,
};
const latencyMs = { p50: 12.4, p95: 48.1, p99: 120.7, max: 311.2, mean: 17.9 };
const admin = { type: 'user', id: 'u_1842', name: 'Ada Lovelace' } as const;

export const samples: Samples = {
  system: {
    started: {
      node: 'api-1',
      timestamp: at,
      version: '2.4.1',
      hostname: 'ip-10-0-3-17.eu-west-1.compute.internal',
      pid: 4121,
      environment: 'production',
      startupMs: 1843.2,
    },
    stopping: {
      node: 'api-1',
      timestamp: at,
      reason: 'SIGTERM',
      graceful: true,
      uptimeSeconds: 86_400.5,
      drainTimeoutMs: 30_000,
    },
    config_changed: {
      node: 'api-1',
      timestamp: at,
      source: 'remote',
      revision: 'cfg-2025-03-01-7',
      changedBy: 'deploy-bot',
      changes: [
        { key: 'http.timeoutMs', before: 5000, after: 8000 },
        { key: 'db.password', redacted: true },
      ],
    },
  },
  nodeHealth: {
    status: {
      node: 'api-1',
      timestamp: at,
      status: 'degraded',
      uptimeSeconds: 3600,
      memory: { ...memory, arrayBuffers: 1_048_576 },
      cpuPercent: 143.5,
      checks: [
        { name: 'postgres', status: 'pass', durationMs: 2.1 },
        {
          name: 'redis',
          status: 'warn',
          durationMs: 250.3,
          message: 'ping took 250 ms (limit 100 ms)',
        },
        { name: 'disk', status: 'pass', durationMs: 0.4, message: '61% used' },
      ],
    },
  },
  clusterHealth: {
    status: {
      reporter: 'monitor-1',
      timestamp: at,
      status: 'degraded',
      totalNodes: 5,
      healthyNodes: 3,
      degradedNodes: 1,
      unhealthyNodes: 1,
      nodes: [
        { node: 'api-1', status: 'degraded', lastSeen: at },
        { node: 'api-2', status: 'unhealthy', lastSeen: '2025-03-01T11:58:30+01:00' },
      ],
    },
  },
  metrics: {
    metric: {
      node: 'api-1',
      component: 'http',
      timestamp: at,
      name: 'http.server.request.duration',
      value: 23.7,
      unit: 'ms',
      kind: 'histogram',
      tags: { route: '/orders/:id', method: 'GET', status: '200' },
    },
    performance: {
      node: 'api-1',
      component: 'http',
      timestamp: at,
      windowMs: 60_000,
      latencyMs,
      cpuPercent: 37.5,
      eventLoopLagMs: 3.2,
      memory,
    },
    throughput: {
      node: 'api-1',
      component: 'http',
      timestamp: at,
      operation: 'http.request',
      windowMs: 60_000,
      count: 12_840,
      errors: 17,
      ratePerSecond: 214,
      bytes: 58_233_344,
    },
    persistence: {
      node: 'api-1',
      component: 'orders',
      timestamp: at,
      store: 'postgres',
      operation: 'write',
      windowMs: 60_000,
      count: 930,
      failures: 2,
      durationMs: { total: 4_120.5, max: 88.2 },
      ratePerSecond: 15.5,
      bytes: 1_904_640,
      queueDepth: 4,
    },
  },
  alerts: {
    raised: {
      alertId: 'disk_full:db-2:/var/lib/postgresql',
      type: 'disk.full',
      severity: 'critical',
      message: 'Disk /var/lib/postgresql on db-2 is 97% full',
      node: 'db-2',
      component: 'postgres',
      timestamp: at,
      context: {
        mount: '/var/lib/postgresql',
        usedPercent: 97.2,
        thresholdPercent: 95,
        growing: true,
      },
    },
    resolved: {
      alertId: 'disk_full:db-2:/var/lib/postgresql',
      type: 'disk.full',
      severity: 'critical',
      node: 'db-2',
      timestamp: at,
      activeMs: 1_260_000,
      resolvedBy: 'u_1842',
      message: 'Old WAL segments removed; 71% used',
    },
  },
  audit: {
    data_change: {
      node: 'api-1',
      timestamp: at,
      actor: admin,
      action: 'update',
      entity: 'customer',
      entityId: 'cus_90210',
      changes: [
        { field: 'address.city', before: 'Lyon', after: 'Paris' },
        { field: 'iban', redacted: true },
      ],
      requestId: 'req_7f3a9c',
    },
    admin_action: {
      node: 'admin-1',
      timestamp: at,
      actor: admin,
      action: 'user.suspend',
      target: { type: 'user', id: 'u_5521' },
      outcome: 'success',
      parameters: { durationDays: 7, notify: true },
      reason: 'Chargeback fraud investigation #4411',
    },
  },
  security: {
    auth_event: {
      node: 'auth-1',
      timestamp: at,
      kind: 'login',
      method: 'password',
      outcome: 'failure',
      severity: 'warning',
      principal: 'u_5521',
      sourceIp: '203.0.113.42',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/124.0',
      reason: 'bad_password',
    },
    access_violation: {
      node: 'api-2',
      timestamp: at,
      kind: 'forbidden',
      severity: 'error',
      resource: '/admin/users',
      action: 'DELETE',
      principal: 'u_5521',
      sourceIp: '2001:db8::1f',
      policy: 'admin-only',
      context: { role: 'support' },
    },
  },
  diagnostics: {
    debug_trace: {
      node: 'api-1',
      component: 'checkout',
      timestamp: at,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      operation: 'checkout.price_cart',
      message: 'applied 2 discounts; tax region FR',
      durationMs: 8.4,
      attributes: { cartItems: 3, currency: 'EUR' },
    },
    performance_analysis: {
      node: 'api-1',
      component: 'checkout',
      timestamp: at,
      operation: 'checkout.submit',
      windowMs: 300_000,
      samples: 1_422,
      latencyMs,
      hotspots: [
        {
          name: 'SELECT * FROM prices WHERE sku = ANY($1)',
          calls: 1_422,
          selfMs: 9_102.3,
          totalMs: 9_400.1,
          share: 0.41,
        },
        { name: 'JSON.stringify', calls: 2_844, selfMs: 1_210, totalMs: 1_210, share: 0.05 },
      ],
      recommendation: 'Cache the price lookup per cart; it dominates the window.',
    },
  },
  lifecycle: {
    process_started: {
      node: 'worker-host-1',
      timestamp: at,
      process: 'worker-3',
      pid: 5120,
      restarts: 2,
      command: 'dist/worker.js',
    },
    process_exited: {
      node: 'worker-host-1',
      timestamp: at,
      process: 'worker-3',
      pid: 5120,
      exitCode: null,
      signal: 'SIGKILL',
      reason: 'oom',
      uptimeSeconds: 912.7,
      willRestart: true,
    },
  },
  logging: {
    entry: {
      node: 'api-1',
      component: 'http',
      timestamp: at,
      level: 'error',
      message: 'upstream payment service timed out',
      logger: 'http.client',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      context: { upstream: 'payments', timeoutMs: 5000 },
      error: {
        name: 'TimeoutError',
        message: 'operation timed out after 5000 ms',
        stack: 'TimeoutError: ...\n    at fetch (node:internal/deps/undici)',
      },
    },
    summary: {
      node: 'api-1',
      from: '2025-03-01T11:59:00.000Z',
      to: at,
      total: 1_312,
      counts: {
        emergency: 0,
        alert: 0,
        critical: 0,
        error: 12,
        warning: 40,
        notice: 3,
        info: 1_257,
        debug: 0,
      },
      dropped: 0,
      top: [{ message: 'GET /orders/<id> 200', level: 'info', count: 1_102 }],
    },
  },
};
