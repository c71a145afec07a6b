/**
 * `herald/testing`: helpers for testing code that uses Herald, and the transport conformance
 * suite for transport authors.
 *
 * - `testKeys()`: a deterministic, TEST-ONLY signing key (anyone can recompute it).
 * - `collect()` / `waitForEvent()`: record deliveries and bus events, with clear timeouts.
 * - `createTestBuses()`: n started buses on one fresh in-process hub (or on your transports).
 * - `runTransportConformance()`: the suite every transport must pass, in a few lines.
 * - `testRegistry`: the small registry the suite publishes on.
 *
 * This entry point imports `vitest` (an optional peer dependency of Herald): install it to use
 * `herald/testing`. Exports are listed by name.
 */

export type { TestBuses, TestBusesOptions } from './buses.js';
export { createTestBuses } from './buses.js';
export type { BusEventSource, Collector } from './collect.js';
export { collect, DEFAULT_WAIT_MS, waitForEvent } from './collect.js';
export { runTransportConformance } from './conformance.js';
export type { TransportConformanceOptions } from './conformance-harness.js';
export { testKeys } from './keys.js';
export type { TestTopics } from './registry.js';
export { newRunId, testRegistry } from './registry.js';
