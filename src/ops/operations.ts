/**
 * `operations()`: the operations broadcaster as a bus feature. Created before the bus, passed in
 * `createBus({ features: [ops] })`, bound there to that one bus; from then on it follows the
 * bus's start and stop (system.ts) and publishes through its public API. Run-time control and
 * the helpers are methods of the same object.
 */
import type { SystemFeature } from '../bus/system.js';
import type { Bus } from '../create-bus.js';
import { ConfigError } from '../errors.js';
import { checkRegistry } from './bind.js';
import { createHelpers } from './helpers.js';
import { Runner } from './runner.js';
import { applyIntervals, type OpsSettings, resolveSettings } from './settings.js';
import { HandlerTimes, timingInstrumentation } from './timing.js';
import type { Operations, OperationsOptions, OperationsStatus } from './types.js';

/** The reserved channel of the broadcaster (it only sends on registry topics: never listened). */
export const OPS_CHANNEL = '$ops';

const unbound = (what: string): ConfigError =>
  new ConfigError(`operations: cannot ${what} before the broadcaster is on a bus`, {
    hint: 'pass it to createBus({ features: [ops] }) first',
  });

/** The state one broadcaster's methods share. */
interface State {
  readonly settings: OpsSettings;
  readonly options: OperationsOptions;
  readonly times: HandlerTimes;
  enabled: boolean;
  runner: Runner | undefined;
}

/** Binds a broadcaster to its bus: checks the registry, and returns the feature to install. */
function bindTo(state: State, bus: Bus): SystemFeature<unknown> {
  if (state.runner !== undefined) {
    throw new ConfigError('operations: this broadcaster is already on a bus', {
      hint: 'create one operations() per bus',
    });
  }
  const opsBus = checkRegistry(bus);
  const { settings, options, times } = state;
  return {
    channel: { topic: OPS_CHANNEL, label: 'operations', tooLargeHint: 'unused' },
    create(port) {
      const checks = { ...options.checks };
      const enabled = () => state.enabled;
      const r = new Runner(opsBus, port, settings, checks, times, enabled, options.onError);
      state.runner = r;
      return {
        client: { listens: false, started: () => r.started(), stopping: () => r.stopping() },
        api: undefined,
      };
    },
  };
}

/** Settings and counters of a broadcaster. */
function statusOf({ enabled, runner, settings }: State): OperationsStatus {
  return {
    enabled,
    running: runner?.running ?? false,
    healthIntervalMs: settings.healthIntervalMs,
    metricsIntervalMs: settings.metricsIntervalMs,
    jitter: settings.jitter,
    sent: { ...(runner?.sent ?? { health: 0, metrics: 0, cluster: 0, system: 0, helper: 0 }) },
    errors: runner?.errors ?? 0,
  };
}

/**
 * Creates the operations broadcaster of one bus (docs/operations.md). Invalid options or
 * environment variables throw a ConfigError here.
 * @example
 * const ops = operations({ healthIntervalMs: 10_000, checks: { db: pingDb } });
 * const bus = createBus({ registry: catalog, keys, features: [ops] });
 * await bus.start(); // system started, health at once, then every ~10 s
 * await ops.alert('node_failure', 'critical', 'Node down', { node: 'n1' });
 */
export function operations(options: OperationsOptions = {}): Operations {
  const settings = resolveSettings(options);
  const state: State = {
    settings,
    options,
    times: new HandlerTimes(),
    enabled: settings.enabled,
    runner: undefined,
  };
  const runnerFor = (what: string): Runner => {
    if (state.runner === undefined) throw unbound(what);
    return state.runner;
  };
  const helpers = createHelpers({
    get nodeId() {
      return runnerFor('publish').bus.nodeId;
    },
    now: () => runnerFor('publish').port.now(),
    publish: async (topic, event, payload) =>
      state.enabled ? runnerFor('publish').publish('helper', topic, event, payload) : undefined,
  });
  return {
    ...helpers,
    bind: (bus) => bindTo(state, bus),
    get enabled() {
      return state.enabled;
    },
    enable() {
      if (state.enabled) return;
      state.enabled = true;
      state.runner?.arm(true);
    },
    disable() {
      state.enabled = false;
      state.runner?.disarm();
    },
    setIntervals(change) {
      const before = { ...settings };
      applyIntervals(settings, change);
      state.runner?.rearm(
        settings.healthIntervalMs !== before.healthIntervalMs,
        settings.metricsIntervalMs !== before.metricsIntervalMs,
      );
    },
    status: () => statusOf(state),
    reportHealth: () => runnerFor('report health').reportHealth(),
    reportMetrics: () => runnerFor('report metrics').reportMetrics(),
    cluster: () =>
      runnerFor('read the cluster').view.report(runnerFor('read the cluster').bus.nodeId),
    timing: (inner) => timingInstrumentation(state.times, inner),
  };
}
