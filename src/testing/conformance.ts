/**
 * `herald/testing/conformance`: `runTransportConformance`, the one suite every transport passes —
 * in-process, Redis, PostgreSQL, and yours (after Phoenix.PubSub's `test/shared/pubsub_test.exs`,
 * mqemitter's `abstractTest.js` and hono's `common.case.test.ts`). Call it at the top level of a
 * vitest file. It is the only entry point that imports `vitest` (an optional peer dependency of
 * Herald), so `herald/testing` works without vitest installed.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { contractCases } from './conformance-contract.js';
import { deliveryCases } from './conformance-delivery.js';
import {
  createHarness,
  type Harness,
  resolveOptions,
  type TransportConformanceOptions,
} from './conformance-harness.js';
import { templateCases } from './conformance-templates.js';

export type { TransportConformanceOptions } from './conformance-harness.js';

/**
 * Registers the transport conformance suite with vitest: delivery (subscribe/unsubscribe,
 * broadcast, broadcastFrom, directBroadcast, localBroadcast, raw topics, 50 concurrent
 * subscribers) and contract cases (status, ordering per publisher, large payloads, no leaked
 * server-side subscriptions, rejection on a closed transport, foreign signatures rejected and
 * counted, counters) and template subscriptions (docs/templates.md). Each case runs 2-4 buses, each on a fresh transport from `createTransport`.
 *
 * @example
 * // test/conformance/my-transport.test.ts
 * import { runTransportConformance } from 'herald/testing/conformance';
 * import { myTransport } from '../src/my-transport.js';
 *
 * runTransportConformance({ name: 'my-transport', createTransport: () => myTransport({ url }) });
 */
export function runTransportConformance(options: TransportConformanceOptions): void {
  const resolved = resolveOptions(options);
  let current: Harness | undefined;
  const harness = (): Harness => {
    if (!current) throw new Error('runTransportConformance: no harness outside a test');
    return current;
  };
  describe(`transport conformance: ${options.name}${resolved.batching ? ' (batching)' : ''}`, () => {
    beforeEach(() => {
      current = createHarness(resolved);
    });
    afterEach(async () => {
      const done = current;
      current = undefined;
      await done?.cleanup();
    });
    describe('delivery', () => deliveryCases(harness, resolved.testTimeoutMs));
    describe('contract', () => contractCases(harness, resolved.testTimeoutMs));
    describe('templates', () => templateCases(harness, resolved.testTimeoutMs));
  });
}
