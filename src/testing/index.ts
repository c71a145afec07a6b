/**
 * `herald/testing`: helpers for testing code that uses Herald, and the transport conformance
 * suite for transport authors.
 *
 * - `testKeys()`: a deterministic, TEST-ONLY signing key (anyone can recompute it).
 * - `collect()` / `waitForEvent()`: record deliveries and bus events, with clear timeouts.
 * - `createTestBuses()`: n started buses on one fresh in-process hub (or on your transports).
 * - `testRegistry`: the small registry the suite publishes on.
 *
 * It imports no test framework, so it works under any runner. The transport conformance suite,
 * which registers vitest tests, is the separate entry point `herald/testing/conformance`
 * (`runTransportConformance()`; it needs `vitest`, an optional peer dependency). Exports are
 * listed by name.
 */

export type { TestBuses, TestBusesOptions } from './buses.js';
export { createTestBuses } from './buses.js';
export type { BusEventSource, Collector } from './collect.js';
export { collect, DEFAULT_WAIT_MS, waitForEvent } from './collect.js';
export { testKeys } from './keys.js';
export type { TestTopics } from './registry.js';
export { newRunId, testRegistry } from './registry.js';
