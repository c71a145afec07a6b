/**
 * Global setup of the reliability suite: starts a fresh results file for this run (mode, seed,
 * machine, tool versions) and, at the end, prints every scenario's table once more, together,
 * so the summary is the last thing on screen.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { postgresBinDir } from '../support/postgres-server.js';
import { MODE, SEED } from './profile.js';
import { formatResult, readResults, SCENARIO_ORDER, writeResults } from './report.js';

const ORDER = SCENARIO_ORDER;

function version(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    return 'not found';
  }
}

/** Writes the header of this run's results file; returns the teardown that prints the summary. */
export default function setup(): () => void {
  // Every worker reads the same seed, so the whole run replays with RELIABILITY_SEED=<seed>.
  process.env.RELIABILITY_SEED = String(SEED);
  const bin = postgresBinDir();
  writeResults({
    mode: MODE,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      redis: version('redis-server', ['--version']).replace(/^Redis server /, ''),
      postgres: version(bin ? join(bin, 'postgres') : 'postgres', ['--version']),
      ioredis: packageVersion('ioredis'),
      pg: packageVersion('pg'),
    },
    seed: SEED,
    scenarios: {},
  });
  console.log(
    `\nherald reliability suite: ${MODE} run, seed ${SEED} (replay with RELIABILITY_SEED=${SEED})\n`,
  );
  return () => {
    const file = readResults();
    if (!file) return;
    file.finishedAt = new Date().toISOString();
    writeResults(file);
    console.log(`\n════ herald reliability summary (${MODE}, seed ${file.seed}) ════`);
    const rank = (name: string): number => {
      const i = ORDER.indexOf(name);
      return i < 0 ? ORDER.length : i;
    };
    const results = Object.values(file.scenarios).sort((a, b) => rank(a.name) - rank(b.name));
    for (const result of results) console.log(formatResult(result));
    console.log(`\nresults: test/reliability/results/latest-${MODE}.json\n`);
  };
}

function packageVersion(name: string): string {
  const path = join(process.cwd(), 'node_modules', name, 'package.json');
  if (!existsSync(path)) return 'not found';
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}
