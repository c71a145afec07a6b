/**
 * Model-based test of presence (fast-check `fc.commands`): random sequences of track, update,
 * untrack, graceful stop, crash, restart, partition, heal and waiting, on three in-process nodes
 * with virtual time. The property: once the network heals and a down period passes, every live
 * node lists exactly the presences that the live nodes track — the same set everywhere, with no
 * ghost of a stopped, crashed or restarted node. Shrunk counterexamples found while building it
 * are kept below as regression tests.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  applyStep,
  assertInvariants,
  canRun,
  converge,
  createWorld,
  disposeWorld,
  runScenario,
  type Step,
  type World,
} from './support/world.js';

const NODES = 3;
const RUNS = Number(process.env.PRESENCE_MODEL_RUNS ?? 200);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

class StepCommand implements fc.AsyncCommand<{ running: boolean[] }, World> {
  constructor(readonly step: Step) {}
  check(model: { running: boolean[] }): boolean {
    return canRun(model.running, this.step);
  }
  async run(model: { running: boolean[] }, world: World): Promise<void> {
    await applyStep(world, this.step);
    assertInvariants(world);
    model.running = [...world.running];
  }
  toString(): string {
    return JSON.stringify(this.step);
  }
}

const node = fc.integer({ min: 0, max: NODES - 1 });
const key = fc.constantFrom('ann', 'bob', 'cyd');
const owner = fc.constantFrom('tab1', 'tab2');
const mood = fc.constantFrom('web', 'ios', 'cli');
const steps: fc.Arbitrary<Step>[] = [
  fc.record({ op: fc.constant('track' as const), node, key, owner, mood }),
  fc.record({ op: fc.constant('update' as const), node, key, owner, mood }),
  fc.record({ op: fc.constant('untrack' as const), node, key, owner }),
  fc.record({ op: fc.constant('stop' as const), node }),
  fc.record({ op: fc.constant('crash' as const), node }),
  fc.record({ op: fc.constant('start' as const), node }),
  fc.record({ op: fc.constant('restart' as const), node, graceful: fc.boolean() }),
  fc.shuffledSubarray([0, 1, 2], { minLength: 1, maxLength: 2 }).map((group) => ({
    op: 'partition' as const,
    groups: [group, [0, 1, 2].filter((n) => !group.includes(n))],
  })),
  fc.constant({ op: 'heal' as const }),
];
// Messages move only while virtual time passes: waits are frequent, mostly short.
const wait = fc.record({
  op: fc.constant('wait' as const),
  ms: fc.constantFrom(1, 1, 50, 150, 600, 1500),
});
steps.push(wait, wait, wait);
const commands = fc.commands(
  steps.map((arb) => arb.map((step) => new StepCommand(step))),
  { maxCommands: 40, size: 'medium' },
);

describe('presence, model-based', () => {
  it(`converges to the live nodes' presences on every live node (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(commands, fc.option(fc.integer()), async (cmds, seed) => {
        const world = await createWorld(NODES, seed ?? undefined);
        try {
          await fc.asyncModelRun(
            () => ({ model: { running: [...world.running] }, real: world }),
            cmds,
          );
          const { expected, listings } = await converge(world);
          assertInvariants(world);
          for (const listing of Object.values(listings)) expect(listing).toEqual(expected);
        } finally {
          await disposeWorld(world);
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('presence, model-based regressions', () => {
  // Shrunk counterexamples, each found by the property against a deliberately broken tracker
  // (the mechanism named in the test removed); with the mechanism in place they pass.
  const regressions: {
    readonly name: string;
    readonly steps: readonly Step[];
    readonly seed?: number;
  }[] = [
    {
      name: 'a node that crashed and restarted with the same id leaves no ghost (epoch purge)',
      steps: [
        { op: 'track', node: 0, key: 'ann', owner: 'tab1', mood: 'web' },
        { op: 'wait', ms: 1 },
        { op: 'restart', node: 0, graceful: false },
        { op: 'wait', ms: 1 },
      ],
    },
    {
      name: 'a state that arrives after a newer one never overwrites it (versions only move forward)',
      steps: [
        { op: 'wait', ms: 50 },
        { op: 'track', node: 1, key: 'ann', owner: 'tab1', mood: 'web' },
        { op: 'partition', groups: [[1], [0, 2]] },
      ],
      seed: 9,
    },
    {
      name: 'a delta that does not follow the known version is not applied (it asks for the state)',
      steps: [
        { op: 'track', node: 2, key: 'ann', owner: 'tab1', mood: 'web' },
        { op: 'track', node: 2, key: 'ann', owner: 'tab2', mood: 'web' },
        { op: 'wait', ms: 1 },
      ],
      seed: 16779682,
    },
    {
      name: 'a heartbeat with a newer version makes peers fetch what a partition made them miss',
      steps: [
        { op: 'track', node: 0, key: 'ann', owner: 'tab1', mood: 'web' },
        { op: 'partition', groups: [[0], [1, 2]] },
        { op: 'wait', ms: 1 },
        { op: 'heal' },
      ],
    },
  ];
  for (const { name, steps: scenario, seed } of regressions) {
    it(name, async () => {
      const { expected, listings } = await runScenario(NODES, scenario, seed);
      expect(Object.keys(listings)).toHaveLength(NODES);
      for (const listing of Object.values(listings)) expect(listing).toEqual(expected);
    });
  }
});
