/**
 * Tables and the results file. Each scenario turns its books into rows (one per publisher →
 * receiver pair or case), prints them as a table, and merges them into
 * `test/reliability/results/latest-<mode>.json`, which the global teardown prints again at the end.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Books } from './ledger.js';
import { loadAverage } from './probes.js';
import { MODE } from './profile.js';

/** One line of a scenario's table. */
export interface Row {
  readonly case: string;
  readonly transport: string;
  readonly sent: number;
  readonly delivered: number;
  /** Rejected at publish (TransportError) plus refused on receive with a reason. */
  readonly rejected: number;
  /** Inside a signalled gap, including those that needed the slack. */
  readonly inGaps: number;
  /** Of `inGaps`, how many only fit within the slack. */
  readonly slack: number;
  /** Dropped by a subscription's overflow policy, as the bus counted them. */
  readonly policyDrops: number;
  /** Not delivered, not rejected, not in a gap, not a counted policy drop. */
  readonly silent: number;
  /** Extra handler calls for one message. */
  readonly duplicates: number;
  /** Second copies the receiving bus removed by id before any handler. */
  readonly duplicatesRemoved: number;
  /** Deliveries that came after a higher number of the same publisher (the books' `reordered`). */
  readonly outOfOrder: number;
  /** The transport promises per-publisher order, so `outOfOrder` must be 0. */
  readonly ordered: boolean;
  /** How long recovery took, in words (e.g. `p50 310 ms, max 1.9 s (8 outages)`). */
  readonly recovery: string;
  /** Anything else that must be zero for the books to balance (unsettled, late, mismatches). */
  readonly anomalies: Readonly<Record<string, number>>;
  /** A few of the messages that needed the slack, and how far outside their gap they lay. */
  readonly slackCases: readonly string[];
}

/** One pass/fail criterion of a scenario, named with its measured value. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
}

/** A scenario's outcome, as written to the results file. */
export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly rows: readonly Row[];
  /** Measured figures (rates, RSS, lag, timings). */
  readonly metrics: Readonly<Record<string, number | string | boolean>>;
  /** The criteria the test asserts, evaluated before the assertions run. */
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
}

/**
 * Transports that promise a publisher's messages reach a subscription in publish order
 * (docs/bus.md, docs/transports/*.md). A fallback chain does not: a message retried on the next
 * member, or still queued on the member it left, may overtake or trail the others.
 */
export const ORDERED_TRANSPORTS: ReadonlySet<string> = new Set(['local', 'redis', 'postgres']);

/** The checks every row must pass: no silent drop, no duplicate, none out of order, no anomaly. */
export function rowChecks(row: Row): Check[] {
  const odd = Object.entries(row.anomalies);
  return [
    { name: `${row.transport} ${row.case}: silent drops ${row.silent} = 0`, ok: row.silent === 0 },
    {
      name: `${row.transport} ${row.case}: duplicates ${row.duplicates} = 0`,
      ok: row.duplicates === 0,
    },
    ...(row.ordered
      ? [
          {
            name: `${row.transport} ${row.case}: out of order ${row.outOfOrder} = 0`,
            ok: row.outOfOrder === 0,
          },
        ]
      : []),
    ...(odd.length > 0
      ? [{ name: `${row.case}: ${odd.map(([k, v]) => `${k} ${v}`).join(', ')}`, ok: false }]
      : []),
  ];
}

/** Builds a row from books; `policyDrops` explains that many unexplained messages. */
export function rowFrom(
  name: string,
  transport: string,
  books: Books,
  recovery: string,
  policyDrops = 0,
): Row {
  const anomalies: Record<string, number> = {};
  if (books.unsettled > 0) anomalies.unsettled = books.unsettled;
  if (books.late > 0) anomalies.late = books.late;
  if (policyDrops > books.unexplained) {
    anomalies.policyDropsNotMatched = policyDrops - books.unexplained;
  }
  return {
    case: name,
    transport,
    sent: books.sent,
    delivered: books.delivered,
    rejected: books.rejectedAtPublish + books.rejectedOnReceive,
    inGaps: books.inGap + books.inGapSlack,
    slack: books.inGapSlack,
    policyDrops,
    silent: Math.max(0, books.unexplained - policyDrops),
    duplicates: books.duplicates,
    duplicatesRemoved: books.duplicatesRemoved,
    outOfOrder: books.reordered,
    ordered: ORDERED_TRANSPORTS.has(transport),
    recovery,
    anomalies,
    slackCases: books.slackSample.map(
      (c) =>
        `#${c.seq}: ${Math.round(c.outsideMs)} ms ${c.outsideMs > 0 ? 'after' : 'before'} the gap (${c.gap.reason})`,
    ),
  };
}

/** `p50 310 ms, max 1.9 s (8 outages)` from a list of durations. */
export function describeRecovery(ms: readonly number[], what = 'outages'): string {
  if (ms.length === 0) return 'n/a';
  const sorted = [...ms].sort((a, b) => a - b);
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const max = sorted.at(-1)!;
  return ms.length === 1
    ? `${duration(max)}`
    : `p50 ${duration(p50)}, max ${duration(max)} (${ms.length} ${what})`;
}

/** 850 ms, 1.9 s. */
export const duration = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;

const COLUMNS: readonly [string, (r: Row) => string | number][] = [
  ['case', (r) => r.case],
  ['transport', (r) => r.transport],
  ['sent', (r) => r.sent],
  ['delivered', (r) => r.delivered],
  ['rejected', (r) => r.rejected],
  ['in gaps', (r) => r.inGaps],
  ['(slack)', (r) => r.slack],
  ['policy drops', (r) => r.policyDrops],
  ['silent', (r) => r.silent],
  ['dups', (r) => r.duplicates],
  ['dups removed', (r) => r.duplicatesRemoved],
  ['out of order', (r) => (r.ordered ? r.outOfOrder : `(${r.outOfOrder})`)],
  ['recovery', (r) => r.recovery],
];

/** The scenario as a text table, its metrics and notes below. */
export function formatResult(result: ScenarioResult): string {
  const cells = result.rows.map((row) => COLUMNS.map(([, get]) => String(get(row))));
  const widths = COLUMNS.map(([head], c) =>
    Math.max(head.length, ...cells.map((line) => line[c]!.length)),
  );
  const numeric = (c: number): boolean => c >= 2 && c <= 11;
  const line = (values: readonly string[]): string =>
    values.map((v, c) => (numeric(c) ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join(' │ ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const out = [
    `\n■ ${result.title}  [${MODE}]`,
    line(COLUMNS.map(([head]) => head)),
    rule,
    ...cells.map(line),
  ];
  for (const row of result.rows) {
    const odd = Object.entries(row.anomalies);
    if (odd.length > 0)
      out.push(`  !! ${row.case}: ${odd.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    for (const c of row.slackCases) out.push(`  slack ${row.case}: ${c}`);
  }
  const metrics = Object.entries(result.metrics);
  if (metrics.length > 0) out.push(`  ${metrics.map(([k, v]) => `${k}: ${v}`).join(' · ')}`);
  const failed = result.checks.filter((c) => !c.ok);
  out.push(
    failed.length === 0
      ? `  PASS: ${result.checks.length} checks`
      : `  FAIL: ${failed.map((c) => c.name).join(' · ')} (${result.checks.length - failed.length} of ${result.checks.length} checks passed)`,
  );
  for (const note of result.notes) out.push(`  - ${note}`);
  return out.join('\n');
}

const here = dirname(fileURLToPath(import.meta.url));
/** Where this mode's results go. */
export const RESULTS_FILE = join(here, 'results', `latest-${MODE}.json`);

/** The results file: a header written by the global setup, then one entry per scenario. */
export interface ResultsFile {
  readonly mode: string;
  readonly startedAt: string;
  finishedAt?: string;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly seed: number;
  readonly scenarios: Record<string, ScenarioResult>;
}

/** Reads the results file, if any. */
export function readResults(): ResultsFile | undefined {
  if (!existsSync(RESULTS_FILE)) return undefined;
  return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
}

/** Writes the results file in the layout the project's formatter keeps (biome, width 100). */
export function writeResults(file: ResultsFile): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${toJson(file, 0, 0, true)}\n`);
}

/** Prints a scenario's table and merges it into the results file (before any assertion runs). */
export function record(scenario: ScenarioResult, seed: number): void {
  // The last minute's load average: on a shared 2-core machine, other work skews every figure.
  const result = { ...scenario, metrics: { ...scenario.metrics, loadAvg1m: loadAverage() } };
  console.log(formatResult(result));
  const file = readResults() ?? {
    mode: MODE,
    startedAt: new Date().toISOString(),
    machine: {},
    seed,
    scenarios: {},
  };
  file.scenarios[result.name] = result;
  writeResults(file);
}

/**
 * JSON as biome formats it: objects always expanded, arrays of plain values on one line when the
 * line fits in 100 columns.
 */
function toJson(value: unknown, indent: number, lead: number, last: boolean): string {
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const inline = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
      if (lead + inline.length + (last ? 0 : 1) <= 100) return inline;
    }
    const items = value.map(
      (v, i) => `${pad}${toJson(v, indent + 2, pad.length, i === value.length - 1)}`,
    );
    return `[\n${items.join(',\n')}\n${' '.repeat(indent)}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const items = entries.map(([k, v], i) => {
      const key = `${pad}${JSON.stringify(k)}: `;
      return `${key}${toJson(v, indent + 2, key.length, i === entries.length - 1)}`;
    });
    return `{\n${items.join(',\n')}\n${' '.repeat(indent)}}`;
  }
  return JSON.stringify(value);
}

/** The order of scenarios in summaries and tables: the issue's order. */
export const SCENARIO_ORDER: readonly string[] = [
  'flapping',
  'failover',
  'failover-wide-window',
  'slow-subscriber',
  'postgres-slow-subscriber',
  'postgres-terminated-listener',
  'overload',
  'soak',
];
