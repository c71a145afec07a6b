/**
 * The web demo for the browser tests: three instance processes on Redis, in a namespace of their
 * own (so parallel runs and the shared server never mix), with short periods so a killed
 * instance is reported lost within seconds. Every line the instances print is kept, and printed
 * when a test fails.
 */
import { randomBytes } from 'node:crypto';
import {
  type InstanceProcess,
  launchInstances,
  stopInstances,
} from '../../../examples/web/launch.js';
import { DemoEnv, type DemoTimings, timingsEnv } from '../../../examples/web/settings.js';

/**
 * The periods of the test instances. An instance killed with SIGKILL leaves the others' presence
 * `downAfterMs` after its last heartbeat, checked once per heartbeat (docs/presence.md): the
 * tests allow `downAfterMs + 2 × heartbeatMs` plus 1 s for a loaded machine and the page.
 */
export const TEST_TIMINGS: DemoTimings = {
  heartbeatMs: 250,
  downAfterMs: 2000,
  healthMs: 500,
  metricsMs: 500,
};

/** How long after a SIGKILL the page must show the instance gone and lost. */
export const LOST_WITHIN_MS = TEST_TIMINGS.downAfterMs + 2 * TEST_TIMINGS.heartbeatMs + 1000;

/** A running demo. */
export interface TestDemo {
  readonly instances: readonly InstanceProcess[];
  /** The channel namespace: a Redis channel is `${prefix}:${topic}`. */
  readonly prefix: string;
  /** Everything the instances printed, `[node] line`. */
  readonly output: readonly string[];
  stop(): Promise<void>;
}

/** Starts instances `nodeIds` on the Redis at `redisUrl`. */
export async function startTestDemo(
  redisUrl: string,
  nodeIds: readonly string[] = ['web-1', 'web-2', 'web-3'],
): Promise<TestDemo> {
  const prefix = `demo_${randomBytes(4).toString('hex')}`;
  const output: string[] = [];
  const instances = await launchInstances({
    nodeIds,
    env: {
      HERALD_KEYS: `demo-test=base64url:${randomBytes(32).toString('base64url')}`,
      HERALD_TRANSPORT: 'redis',
      REDIS_URL: redisUrl,
      [DemoEnv.Prefix]: prefix,
      ...timingsEnv(TEST_TIMINGS),
    },
    output: (nodeId, line) => output.push(`[${nodeId}] ${line}`),
    readyTimeoutMs: 60_000,
  });
  return { instances, prefix, output, stop: () => stopInstances(instances) };
}
