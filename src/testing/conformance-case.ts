/**
 * A conformance case as data: its name (a sentence, the vitest test name) and its body, run on
 * the current test's harness. Each case list (conformance-contract.ts, conformance-delivery.ts,
 * conformance-templates.ts) is an array of small named functions registered in order by
 * `registerCases`; a new list is one such array and one `describe` line in conformance.ts.
 */
import { it } from 'vitest';
import type { Harness } from './conformance-harness.js';

/** One case of the transport conformance suite. */
export interface ConformanceCase {
  /** The test's name, as vitest reports it. */
  readonly name: string;
  /** The test itself, given the harness of the test that runs it. */
  readonly run: (h: Harness) => Promise<void>;
}

/** Registers each case with vitest as `it(name, ...)`, in order, with the given timeout. */
export function registerCases(
  cases: readonly ConformanceCase[],
  harness: () => Harness,
  timeout: number,
): void {
  for (const c of cases) it(c.name, () => c.run(harness()), timeout);
}
