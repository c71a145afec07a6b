/**
 * Output of a bench run: the compact table a person reads at the end, and the result file
 * (`bench/results/<date>.json`) with a fixed structure — same keys, same order, rounded numbers —
 * so two result files diff cleanly.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  formatRate,
  type Mode,
  ROUNDS,
  RUN_SECONDS,
  type Scenario,
  type ScenarioResult,
  type SystemResult,
} from './harness.js';
import { type Spread, significant } from './stats.js';
import { environment, heraldVersion, RECORDED_PACKAGES, versionOf } from './versions.js';

const fixed = (value: number, digits: number): string =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(digits);

type Kind = Scenario['kind'];

function ratioText(id: string, ratio: Spread, kind: Kind): string {
  const main = `${fixed(ratio.median, 2)}× ${id}`;
  const range = `(${fixed(ratio.min, 2)}–${fixed(ratio.max, 2)})`;
  if (kind === 'cost' && ratio.median < 1)
    return `${main} ${range} = ${fixed(1 / ratio.median, 1)}× the cost`;
  if (kind === 'latency') return `p99 ${main} ${range}`;
  return `${main} ${range}`;
}

function row(result: SystemResult, kind: Kind): string[] {
  const { rate, latency } = result;
  const ratios = kind === 'latency' ? result.p99Ratios : result.ratios;
  return [
    `  ${result.label}`,
    formatRate(rate.median),
    `${formatRate(rate.min)}–${formatRate(rate.max)}`,
    fixed(result.usPerMsg, 2),
    latency
      ? `${fixed(latency.p50, 2)} / ${fixed(latency.p99, 2)}${kind === 'latency' ? ` / ${fixed(latency.p999, 2)}` : ''}`
      : '',
    Object.entries(ratios)
      .map(([id, r]) => ratioText(id, r, kind))
      .join(', '),
  ];
}

/** The end-of-run table, one block per scenario. */
export function formatTable(results: readonly ScenarioResult[], mode: Mode): string {
  const env = environment();
  const header = [
    'system',
    'msgs/s',
    'min–max',
    'µs/msg',
    'p50/p99(/p99.9) ms',
    'ratio (median, min–max of rounds)',
  ];
  const blocks: (string | string[])[] = [];
  for (const r of results) {
    const rounds = r.rounds !== ROUNDS[mode].timed ? ` (${r.rounds} rounds)` : '';
    blocks.push(`${r.scenario.id} · ${r.scenario.title}${rounds}`);
    if (r.skipped) blocks.push(`  skipped: ${r.skipped}`);
    else if (r.failed) blocks.push(`  FAILED: ${r.failed}`);
    else {
      for (const s of r.results) blocks.push(row(s, r.scenario.kind));
      for (const f of r.failures) blocks.push(`  ${f.label}: FAILED — ${f.reason.split('\n')[0]}`);
    }
  }
  const rows = blocks.filter((b): b is string[] => Array.isArray(b));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) =>
        i === 0 ? c.padEnd(widths[i]!) : i === cells.length - 1 ? c : c.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  const { warmup, timed } = ROUNDS[mode];
  const out = [
    `Herald bench · ${mode} · node ${env.node} · ${env.cores} cores · ${timed} rounds (+${warmup} warm-up) unless noted · gc ${env.gcExposed ? 'between runs' : 'not exposed'}`,
    line(header),
  ];
  for (const b of blocks) out.push(typeof b === 'string' ? b : line(b));
  return out.join('\n');
}

function systemJson(s: SystemResult) {
  const round = (x: Spread) => ({
    median: significant(x.median),
    min: significant(x.min),
    max: significant(x.max),
  });
  return {
    system: s.id,
    label: s.label,
    note: s.note ?? null,
    versions: s.versions ?? null,
    messagesPerRound: s.messages,
    msgsPerSec: {
      median: Math.round(s.rate.median),
      min: Math.round(s.rate.min),
      max: Math.round(s.rate.max),
    },
    roundsMsgsPerSec: s.rounds.map((r) => Math.round(r)),
    usPerMsg: significant(s.usPerMsg),
    latencyMs: s.latency
      ? {
          p50: significant(s.latency.p50),
          p99: significant(s.latency.p99),
          p999: significant(s.latency.p999),
          samples: s.latency.samples,
        }
      : null,
    ratioToBaseline: Object.fromEntries(Object.entries(s.ratios).map(([id, r]) => [id, round(r)])),
    p99RatioToBaseline: Object.fromEntries(
      Object.entries(s.p99Ratios).map(([id, r]) => [id, round(r)]),
    ),
  };
}

function scenarioJson(r: ScenarioResult) {
  const sc = r.scenario;
  return {
    id: sc.id,
    title: sc.title,
    kind: sc.kind,
    measures: sc.measures,
    settings: sc.settings ?? {},
    baselines: sc.baselines,
    rounds: { warmup: r.warmupRounds, timed: r.rounds },
    status: r.skipped ? 'skipped' : r.failed ? 'failed' : r.failures.length > 0 ? 'partial' : 'ok',
    reason: r.skipped ?? r.failed ?? null,
    failures: r.failures.map((f) => ({ system: f.id, label: f.label, reason: f.reason })),
    seconds: Math.round(r.seconds * 10) / 10,
    results: r.results.map(systemJson),
  };
}

type ScenarioJson = ReturnType<typeof scenarioJson>;

/** The result file's content. With `merge`, scenarios of an existing file not run now are kept. */
export function resultJson(
  results: readonly ScenarioResult[],
  mode: Mode,
  date: string,
  order: readonly string[],
  merge?: string,
): string {
  const byId = new Map<string, ScenarioJson>();
  if (merge && existsSync(merge)) {
    const previous = JSON.parse(readFileSync(merge, 'utf8')) as { scenarios?: ScenarioJson[] };
    for (const s of previous.scenarios ?? []) byId.set(s.id, s);
  }
  for (const r of results) byId.set(r.scenario.id, scenarioJson(r));
  const scenarios = [...byId.values()].sort(
    (a, b) => (order.indexOf(a.id) >>> 0) - (order.indexOf(b.id) >>> 0),
  );
  const doc = {
    schema: 'herald-bench/1',
    date,
    mode,
    herald: heraldVersion(),
    environment: environment(),
    packages: Object.fromEntries(RECORDED_PACKAGES.map((p) => [p, versionOf(p)])),
    rounds: ROUNDS[mode],
    runSeconds: RUN_SECONDS[mode],
    scenarios,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes a file, creating its folder. */
export function writeResult(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
