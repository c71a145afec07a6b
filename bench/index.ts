/**
 * `npm run bench`: Herald side by side with its baselines, in one process and one run.
 *
 *   npm run bench                      full run (a few minutes), bench/results/<date>.json
 *   npm run bench -- --quick           under a minute, bench/results/<date>-quick.json
 *   npm run bench -- --only inproc-1,steps
 *                                      some scenarios; merged into the result file
 *   npm run bench -- --json out.json   write the results elsewhere
 *   npm run bench -- --list            list the scenarios
 *
 * Progress goes to stderr, the final table to stdout. Scenarios that need a server (Redis,
 * PostgreSQL on 127.0.0.1) are skipped with a note when it is unreachable. Exit code 1 when a
 * scenario failed (a lost message, an error).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Mode, runScenario, type Scenario, type ScenarioResult } from './harness.js';
import { createProgress } from './progress.js';
import { formatTable, resultJson, writeResult } from './report.js';
import { SCENARIOS } from './scenarios/index.js';
import { blackhole } from './support.js';

function localDate(): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      json: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- [--quick] [--only id,id] [--json path] [--list]\n',
    );
    return 0;
  }
  if (values.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.id.padEnd(16)} ${s.title}\n`);
    return 0;
  }
  const mode: Mode = values.quick ? 'quick' : 'full';
  let selected: readonly Scenario[] = SCENARIOS;
  if (values.only !== undefined) {
    const ids = values.only.split(',').map((s) => s.trim());
    const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
    if (unknown.length > 0) {
      process.stderr.write(
        `unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}\n`,
      );
      return 2;
    }
    selected = SCENARIOS.filter((s) => ids.includes(s.id));
  }

  const progress = createProgress();
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    progress.log('note: run with --expose-gc (npm run bench does) to collect garbage between runs');
  }
  const started = Date.now();
  const results: ScenarioResult[] = [];
  for (const [i, scenario] of selected.entries()) {
    progress.log(`[${i + 1}/${selected.length}] ${scenario.id}: ${scenario.title}`);
    const result = await runScenario(scenario, mode, progress);
    if (result.skipped) progress.log(`  skipped: ${result.skipped}`);
    if (result.failed) progress.log(`  FAILED: ${result.failed}`);
    results.push(result);
  }
  progress.end();

  const date = localDate();
  const path =
    values.json ??
    fileURLToPath(
      new URL(`./results/${date}${mode === 'quick' ? '-quick' : ''}.json`, import.meta.url),
    );
  const content = resultJson(
    results,
    mode,
    date,
    SCENARIOS.map((s) => s.id),
    values.only !== undefined ? path : undefined,
  );
  writeResult(path, content);
  process.stdout.write(`\n${formatTable(results, mode)}\n\n`);
  process.stdout.write(
    `${results.length} scenario(s) in ${((Date.now() - started) / 1000).toFixed(0)} s · results: ${path}\n`,
  );
  // Reading the sink keeps every handler's work observable.
  if (!Number.isFinite(blackhole.value)) process.stdout.write('(blackhole overflowed)\n');
  return results.some((r) => r.failed || r.failures.length > 0) ? 1 : 0;
}

// In-process systems publish fire-and-forget, as EventEmitter does: a publish that rejects
// (it never should) ends the run here, loudly, rather than as a slow "lost message" timeout.
process.on('unhandledRejection', (error) => {
  process.stderr.write(
    `\nbench: unhandled rejection (a fire-and-forget publish?): ${String(error)}\n`,
  );
  process.exit(1);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
