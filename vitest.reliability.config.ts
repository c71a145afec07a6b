/**
 * The reliability suite (`npm run test:reliability`): long fault scenarios that account for every
 * message. Kept out of `npm test`: its files end in `.reliability.ts`. `RELIABILITY=full` selects
 * the long versions (see docs/reliability.md). Files run one at a time, so that timings, RSS and
 * event-loop lag are not disturbed by another scenario on this 2-core machine.
 */
import { defineConfig } from 'vitest/config';

const full = process.env.RELIABILITY === 'full';

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.reliability.ts'],
    globalSetup: ['test/reliability/setup.ts'],
    fileParallelism: false,
    // RSS is measured right after a full collection.
    execArgv: ['--expose-gc'],
    testTimeout: full ? 40 * 60_000 : 5 * 60_000,
    hookTimeout: 120_000,
    // One scenario's table is printed as it finishes; keep the output readable.
    reporters: ['default'],
  },
});
