/**
 * The world of the model-based presence test: a few buses on a partitionable hub, driven by
 * plain-data steps (so a shrunk counterexample can be kept as a regression test verbatim), and a
 * model of what each live node tracks. While steps run, the invariants of invariants.ts are
 * checked every 5 virtual ms; `converge` heals the network, lets virtual time pass, and returns
 * every live node's listing next to what the live nodes track.
 */
import { vi } from 'vitest';
import { type Bus, createBus } from '../../../src/index.js';
import { testKeys } from '../../../src/testing/keys.js';
import { type PresenceTopics, presenceRegistry } from '../registry.js';
import { check, type InvariantState, invariantState, line, lines, snapshot } from './invariants.js';
import { createPartitionHub, type PartitionHub, seededRandom } from './partition-hub.js';

/** One step of a scenario. Nodes are indexes; keys, owners and moods come from small sets. */
export type Step =
  | {
      readonly op: 'track';
      readonly node: number;
      readonly key: string;
      readonly owner: string;
      readonly mood: string;
    }
  | {
      readonly op: 'update';
      readonly node: number;
      readonly key: string;
      readonly owner: string;
      readonly mood: string;
    }
  | { readonly op: 'untrack'; readonly node: number; readonly key: string; readonly owner: string }
  | { readonly op: 'stop'; readonly node: number }
  | { readonly op: 'crash'; readonly node: number }
  | { readonly op: 'start'; readonly node: number }
  /** A deploy: stop (or crash) and start again at once, with the same node id. */
  | { readonly op: 'restart'; readonly node: number; readonly graceful: boolean }
  | { readonly op: 'partition'; readonly groups: readonly (readonly number[])[] }
  | { readonly op: 'heal' }
  | { readonly op: 'wait'; readonly ms: number };

/** Timings of the test (virtual ms). */
export const TIMING = { heartbeatMs: 100, downAfterMs: 1000, permdownAfterMs: 4000 } as const;
export const TOPIC = 'room:model';

/** The buses, the hub, the model of what each live node tracks, and the invariant checks. */
export interface World {
  readonly hub: PartitionHub;
  readonly buses: (Bus<PresenceTopics> | undefined)[];
  /** Per node: `key|owner` → mood, while it runs. */
  readonly tracked: Map<string, string>[];
  readonly running: boolean[];
  readonly invariants: InvariantState;
  /** Stops the periodic checks. */
  readonly dispose: () => void;
}

const nodeId = (node: number): string => `n${node}`;
const meta = (key: string, mood: string) => ({ name: key, device: mood });

async function startNode(world: World, node: number): Promise<void> {
  const bus = createBus({
    registry: presenceRegistry,
    keys: testKeys(),
    nodeId: nodeId(node),
    transport: world.hub.transport(nodeId(node)),
    presence: TIMING,
    instrumentation: false,
  });
  await bus.start();
  world.buses[node] = bus;
  world.running[node] = true;
  world.tracked[node] = new Map();
  snapshot(world.invariants, bus, TOPIC);
}

/**
 * Starts `nodes` buses. With a `seed`, each message is delayed by up to 300 ms (more than a
 * heartbeat), so messages — even from one sender — arrive out of order.
 */
export async function createWorld(nodes: number, seed?: number): Promise<World> {
  const hub = createPartitionHub(
    seed === undefined ? {} : { jitterMs: 300, random: seededRandom(seed) },
  );
  const invariants = invariantState();
  const buses: World['buses'] = [];
  const timer = setInterval(() => check(invariants, buses, TOPIC), 5);
  const world: World = {
    hub,
    buses,
    tracked: [],
    running: [],
    invariants,
    dispose: () => clearInterval(timer),
  };
  for (let node = 0; node < nodes; node++) await startNode(world, node);
  return world;
}

/** Whether a step can run in the world's current state (steps on stopped nodes are skipped). */
export function canRun(running: readonly boolean[], step: Step): boolean {
  if ('node' in step) {
    return step.op === 'start' ? !running[step.node] : running[step.node] === true;
  }
  return true;
}

/** Throws the first invariant violation seen so far, if any. */
export function assertInvariants(world: World): void {
  check(world.invariants, world.buses, TOPIC);
  const [first] = world.invariants.violations;
  if (first !== undefined) throw new Error(first);
}

async function own(world: World, step: Step & { node: number; key: string; owner: string }) {
  const bus = world.buses[step.node] as Bus<PresenceTopics>;
  const model = world.tracked[step.node] as Map<string, string>;
  const id = `${step.key}|${step.owner}`;
  const options = { owner: step.owner };
  if (step.op === 'track' && 'mood' in step) {
    const ref = await bus.presence.track(TOPIC, step.key, meta(step.key, step.mood), options);
    if (!ref.startsWith(`${nodeId(step.node)}.`)) throw new Error(`bad ref ${ref}`);
    model.set(id, step.mood);
  } else if (step.op === 'update' && 'mood' in step) {
    const ref = await bus.presence.update(TOPIC, step.key, meta(step.key, step.mood), options);
    if ((ref === undefined) !== !model.has(id)) throw new Error(`update of ${id} answered ${ref}`);
    if (model.has(id)) model.set(id, step.mood);
  } else {
    const removed = await bus.presence.untrack(TOPIC, step.key, options);
    if (removed !== model.has(id)) throw new Error(`untrack of ${id} answered ${removed}`);
    model.delete(id);
  }
  snapshot(world.invariants, bus, TOPIC);
}

/** Runs one step, checking each call's answer against the model. */
export async function applyStep(world: World, step: Step): Promise<void> {
  if (!canRun(world.running, step)) return;
  switch (step.op) {
    case 'track':
    case 'update':
    case 'untrack':
      return own(world, step);
    case 'stop':
    case 'crash': {
      if (step.op === 'crash') world.hub.isolate(nodeId(step.node));
      await world.buses[step.node]?.stop();
      world.buses[step.node] = undefined;
      world.running[step.node] = false;
      world.tracked[step.node] = new Map();
      return;
    }
    case 'start':
      return startNode(world, step.node);
    case 'restart':
      await applyStep(world, { op: step.graceful ? 'stop' : 'crash', node: step.node });
      return startNode(world, step.node);
    case 'partition':
      world.hub.partition(step.groups.map((group) => group.map(nodeId)));
      return;
    case 'heal':
      world.hub.heal();
      return;
    case 'wait':
      await vi.advanceTimersByTimeAsync(step.ms);
      return;
  }
}

/** What the live nodes track, as sorted `node|owner|key|meta` lines. */
export function expected(world: World): string[] {
  const out: string[] = [];
  world.tracked.forEach((model, node) => {
    if (!world.running[node]) return;
    for (const [id, mood] of model) {
      const [key, owner] = id.split('|') as [string, string];
      out.push(line(nodeId(node), owner, key, meta(key, mood)));
    }
  });
  return out.sort();
}

/**
 * Heals the network, lets a down period and a few heartbeats of virtual time pass, and returns
 * each live node's listing next to the expected one.
 */
export async function converge(world: World) {
  world.hub.heal();
  await vi.advanceTimersByTimeAsync(TIMING.downAfterMs + 5 * TIMING.heartbeatMs);
  const listings: Record<string, string[]> = {};
  for (const [node, bus] of world.buses.entries()) {
    if (bus && world.running[node]) listings[nodeId(node)] = lines(await bus.presence.list(TOPIC));
  }
  return { expected: expected(world), listings };
}

/** Stops the checks and every bus. */
export async function disposeWorld(world: World): Promise<void> {
  world.dispose();
  await Promise.all(world.buses.map((bus) => bus?.stop()));
}

/** Runs a whole scenario, checking invariants after each step, and converges. */
export async function runScenario(nodes: number, steps: readonly Step[], seed?: number) {
  const world = await createWorld(nodes, seed);
  try {
    for (const step of steps) {
      await applyStep(world, step);
      assertInvariants(world);
    }
    const result = await converge(world);
    assertInvariants(world);
    return result;
  } finally {
    await disposeWorld(world);
  }
}
