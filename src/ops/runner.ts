/**
 * The running broadcaster of one bus: what happens on start (system started, presence join,
 * a health report at once, the timers), at each tick, on each presence change, and on stop
 * (system stopping, presence meta marked `stopping`). It sees the bus only through its public
 * API (bind.ts) and the system port's start/stop calls.
 */
import { hostname } from 'node:os';
import type { SystemPort } from '../bus/system.js';
import type { PublishReceipt } from '../bus/types.js';
import type { ClusterPresence, HealthStatus } from '../catalog/index.js';
import type { PresenceSubscription } from '../presence/types.js';
import type { OpsBus } from './bind.js';
import { ClusterView } from './cluster.js';
import { buildHealth, type LoopDelay, loopDelay } from './health.js';
import { type MetricsWindow, metricsWindow } from './metrics.js';
import { type Schedule, schedule } from './schedule.js';
import type { OpsSettings } from './settings.js';
import type { HandlerTimes } from './timing.js';
import type { HealthCheckFn, OperationsStatus } from './types.js';

/** The presence topic of the cluster view. */
export const CLUSTER_TOPIC = 'health:cluster';

type Kind = keyof OperationsStatus['sent'];

/** The broadcaster's state on one bus. */
export class Runner {
  readonly view: ClusterView;
  readonly sent: Record<Kind, number> = { health: 0, metrics: 0, cluster: 0, system: 0, helper: 0 };
  errors = 0;
  running = false;
  readonly #delay: LoopDelay = loopDelay();
  readonly #window: MetricsWindow;
  readonly #health: Schedule;
  readonly #metrics: Schedule;
  #beginning: Promise<void> | undefined;
  #presence: PresenceSubscription | undefined;
  #tracked = false;
  #status: HealthStatus = 'healthy';
  #startedAt = 0;

  constructor(
    readonly bus: OpsBus,
    readonly port: SystemPort,
    readonly settings: OpsSettings,
    readonly checks: Readonly<Record<string, HealthCheckFn>>,
    readonly times: HandlerTimes,
    readonly isEnabled: () => boolean,
    readonly onError: ((error: unknown) => void) | undefined,
  ) {
    this.view = new ClusterView(port.now);
    this.#window = metricsWindow(
      { nodeId: bus.nodeId, stats: () => bus.stats(), queues: port.queues },
      settings.component,
      this.times,
    );
    // A failed publish was already counted and reported (publish() below): a tick only goes on.
    const tick = (run: () => Promise<unknown>) => () => void run().catch(() => undefined);
    this.#health = schedule(
      () => settings.healthIntervalMs,
      settings.jitter,
      tick(() => this.healthTick()),
    );
    this.#metrics = schedule(
      () => settings.metricsIntervalMs,
      settings.jitter,
      tick(() => this.reportMetrics()),
    );
  }

  /** Publishes one message of the broadcaster; failures are counted, reported and rethrown. */
  async publish(
    kind: Kind,
    topic: string,
    event: string,
    payload: object,
  ): Promise<PublishReceipt> {
    try {
      const receipt = await this.bus.broadcast(topic, event, payload);
      this.sent[kind]++;
      return receipt;
    } catch (error) {
      this.failed(topic, event, error);
      throw error;
    }
  }

  /** Counts and reports a failure: to `onError`, else as the bus's `handler_error` event. */
  failed(topic: string, event: string, error: unknown): void {
    this.errors++;
    if (this.onError) this.onError(error);
    else this.port.error(topic, event, error);
  }

  /** The bus started: begin in the background (the system port's `started` is synchronous). */
  started(): void {
    this.running = true;
    this.#startedAt = this.port.now();
    this.#delay.start();
    this.#window.reset(this.#startedAt);
    // Failures were reported where they happened (publish(), #join()): starting only stops.
    this.#beginning = this.#begin().catch(() => undefined);
  }

  async #begin(): Promise<void> {
    const { bus, settings } = this;
    if (this.isEnabled()) {
      await this.publish('system', `system:${bus.nodeId}`, 'started', {
        node: bus.nodeId,
        timestamp: new Date(this.#startedAt).toISOString(),
        version: settings.version,
        hostname: host(),
        pid: process.pid,
        ...(settings.environment ? { environment: settings.environment.slice(0, 32) } : {}),
        startupMs: Math.round(process.uptime() * 1000),
      }).catch(() => undefined); // reported by publish(); the node still joins and reports
    }
    if (this.running && bus.presence.enabled) await this.#join();
    if (this.running && this.isEnabled()) this.arm(true);
  }

  /** Joins the cluster: follows presence on health:cluster, then tracks this node there. */
  async #join(): Promise<void> {
    const { bus, settings } = this;
    try {
      if (settings.cluster) {
        this.#presence = await bus.presence.subscribe(CLUSTER_TOPIC, (event) => {
          const change = this.view.apply(event);
          if (change.joined.length + change.lost.length > 0) {
            void this.reportCluster().catch(() => undefined);
          }
        });
      }
      await bus.presence.track(CLUSTER_TOPIC, bus.nodeId, this.#meta());
      this.#tracked = true;
    } catch (error) {
      this.failed(CLUSTER_TOPIC, 'presence_track', error);
    }
  }

  #meta(): ClusterPresence {
    return {
      status: this.#status,
      hostname: host(),
      pid: process.pid,
      startedAt: new Date(this.#startedAt).toISOString(),
    };
  }

  /** Arms both timers (from now); with `now`, sends a health report at once. */
  arm(now: boolean): void {
    if (!this.running) return;
    this.#health.start();
    this.#metrics.start();
    if (now) void this.healthTick().catch(() => undefined);
  }

  /** Re-arms the timers whose interval changed. */
  rearm(health: boolean, metrics: boolean): void {
    if (!this.running || !this.isEnabled()) return;
    if (health) this.#health.start();
    if (metrics) this.#metrics.start();
  }

  disarm(): void {
    this.#health.stop();
    this.#metrics.stop();
  }

  async healthTick(): Promise<void> {
    await this.reportHealth();
    if (this.settings.cluster && this.#tracked) await this.reportCluster();
  }

  async reportHealth(): Promise<PublishReceipt | undefined> {
    if (!this.isEnabled()) return undefined;
    const { bus } = this;
    const report = await buildHealth(
      bus,
      this.settings,
      this.checks,
      this.#delay.read(),
      this.port.now(),
    );
    // Checks take time: disable() or stop() may have come meanwhile.
    if (!this.isEnabled()) return undefined;
    const receipt = await this.publish('health', `health:node:${bus.nodeId}`, 'status', report);
    if (report.status !== this.#status) {
      this.#status = report.status;
      if (this.#tracked && this.running) {
        await bus.presence
          .update(CLUSTER_TOPIC, bus.nodeId, (meta) => ({ ...meta, status: report.status }))
          .catch((error: unknown) => this.failed(CLUSTER_TOPIC, 'presence_update', error));
      }
    }
    return receipt;
  }

  reportMetrics(): Promise<PublishReceipt | undefined> {
    if (!this.isEnabled()) return Promise.resolve(undefined);
    const report = this.#window.take(this.port.now());
    return this.publish('metrics', `metrics:${this.settings.component}`, 'bus', report);
  }

  reportCluster(): Promise<PublishReceipt | undefined> {
    if (!this.isEnabled() || !this.running) return Promise.resolve(undefined);
    return this.publish('cluster', CLUSTER_TOPIC, 'status', this.view.report(this.bus.nodeId));
  }

  /** The bus is stopping (transport still up): say so, and leave presence as `stopping`. */
  async stopping(): Promise<void> {
    this.running = false;
    this.disarm();
    await this.#beginning;
    this.#delay.stop();
    const { bus } = this;
    if (this.isEnabled()) {
      await this.publish('system', `system:${bus.nodeId}`, 'stopping', {
        node: bus.nodeId,
        timestamp: new Date(this.port.now()).toISOString(),
        reason: 'bus.stop()',
        graceful: true,
        uptimeSeconds: Math.max(0, (this.port.now() - this.#startedAt) / 1000),
      }).catch(() => undefined);
    }
    if (this.#tracked) {
      this.#tracked = false;
      await bus.presence
        .update(CLUSTER_TOPIC, bus.nodeId, (meta) => ({ ...meta, stopping: true }))
        .catch((error: unknown) => this.failed(CLUSTER_TOPIC, 'presence_update', error));
    }
    this.#presence?.unsubscribe();
  }
}

const host = (): string => hostname().slice(0, 253) || 'unknown';
