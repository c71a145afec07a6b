/**
 * Writes a run's results (`results/latest-<mode>.json`) into docs/reliability.md, between
 * `<!-- reliability-results:<mode> -->` and `<!-- /reliability-results:<mode> -->`: the heading
 * with the run's length, the machine line, one table row per case and one line per scenario.
 *
 * ```sh
 * npx tsx test/reliability/results-table.ts short            # print the block
 * npx tsx test/reliability/results-table.ts short --write    # replace it in docs/reliability.md
 * ```
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResultsFile, type Row, SCENARIO_ORDER } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const ORDER = SCENARIO_ORDER;

/** The markdown block of one results file. */
export function resultsBlock(file: ResultsFile): string {
  const minutes = file.finishedAt
    ? `${((Date.parse(file.finishedAt) - Date.parse(file.startedAt)) / 60_000).toFixed(1)} minutes`
    : 'unfinished';
  const command =
    file.mode === 'full' ? '`RELIABILITY=full`' : '`npm run test:reliability`, also run by CI';
  const m = file.machine;
  const redis = /v=([\d.]+)/.exec(String(m.redis))?.[1] ?? m.redis;
  const when = `${file.startedAt.slice(0, 10)} ${file.startedAt.slice(11, 16)} UTC`;
  const rank = (name: string): number => (ORDER.includes(name) ? ORDER.indexOf(name) : 99);
  const scenarios = Object.values(file.scenarios).sort((a, b) => rank(a.name) - rank(b.name));
  const lines = [
    `### ${file.mode === 'full' ? 'Full' : 'Short'} run (${command}, ${minutes}; \`results/latest-${file.mode}.json\`)`,
    '',
    `${file.mode} run, ${when}, seed ${file.seed}; ${m.cpus} × ${m.cpu}, Node ${m.node}, Redis ${redis}, ${m.postgres}, ioredis ${m.ioredis}, pg ${m.pg}.`,
    '',
    '| scenario | case | transport | sent | delivered | rejected | in gaps (slack) | policy drops | silent | dups | dups removed | out of order | recovery |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const s of scenarios) {
    for (const r of s.rows) {
      lines.push(
        `| ${s.name} | ${r.case} | ${r.transport} | ${r.sent} | ${r.delivered} | ${r.rejected} | ${r.inGaps} (${r.slack}) | ${r.policyDrops} | **${r.silent}** | **${r.duplicates}** | ${r.duplicatesRemoved} | ${outOfOrder(r)} | ${r.recovery} |`,
      );
    }
  }
  lines.push('');
  for (const s of scenarios) {
    const failed = s.checks.filter((c) => !c.ok);
    const load = `load average ${s.metrics.loadAvg1m}`;
    lines.push(
      failed.length === 0
        ? `- **${s.name}**: all ${s.checks.length} checks pass (${load}).`
        : `- **${s.name}**: FAILED ${failed.map((c) => c.name).join('; ')} (${s.checks.length - failed.length} of ${s.checks.length} pass, ${load}).`,
    );
  }
  return lines.join('\n');
}

/**
 * The out-of-order cell: bold where the transport promises order (it must be 0), in parentheses
 * where it does not (a fallback chain), `n/a` in results recorded before the column existed.
 */
function outOfOrder(row: Row): string {
  const { outOfOrder: count, ordered } = row as Partial<Row>;
  if (count === undefined) return 'n/a';
  return ordered ? `**${count}**` : `(${count})`;
}

/** `text` with the block between the mode's markers replaced by `block`. */
export function replaceBlock(text: string, mode: string, block: string): string {
  const open = `<!-- reliability-results:${mode} -->`;
  const close = `<!-- /reliability-results:${mode} -->`;
  const from = text.indexOf(open);
  const to = text.indexOf(close);
  if (from < 0 || to < from) throw new Error(`docs/reliability.md has no ${open} … ${close}`);
  return `${text.slice(0, from + open.length)}\n${block}\n${text.slice(to)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2] === 'full' ? 'full' : 'short';
  const file = JSON.parse(
    readFileSync(join(here, 'results', `latest-${mode}.json`), 'utf8'),
  ) as ResultsFile;
  const block = resultsBlock(file);
  if (process.argv.includes('--write')) {
    const doc = join(here, '..', '..', 'docs', 'reliability.md');
    writeFileSync(doc, replaceBlock(readFileSync(doc, 'utf8'), mode, block));
  } else console.log(block);
}
