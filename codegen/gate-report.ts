/**
 * The gate's report as text: a headline, then one block per topic and event, breaking findings
 * first, each with its detail lines (schema diff, incompatibilities) and a hint.
 */
import type { GateFinding, GateReport } from './gate.js';

/** The report as text: one block per topic/event, breaking findings first. */
export function formatReport(report: GateReport, lockLabel: string): string {
  const breaking = report.findings.filter((f) => f.breaking);
  const notes = report.findings.filter((f) => !f.breaking);
  const lines: string[] = [];
  const groups = new Map<string, GateFinding[]>();
  for (const f of [...breaking, ...notes]) {
    const title =
      f.event === undefined ? f.topic : `${f.topic} ${f.event}${f.mode ? ` (${f.mode})` : ''}`;
    groups.set(title, [...(groups.get(title) ?? []), f]);
  }
  for (const [title, findings] of groups) {
    lines.push('', title);
    for (const f of findings) {
      lines.push(`  ${f.breaking ? 'BREAKING' : 'note'}: ${f.message}`);
      for (const d of f.details) lines.push(`      ${d}`);
      if (f.hint) lines.push(`    hint: ${f.hint}`);
    }
  }
  const head =
    breaking.length > 0
      ? `herald schemas check: ${breaking.length} breaking change${breaking.length > 1 ? 's' : ''} against ${lockLabel}`
      : `herald schemas check: compatible with ${lockLabel}${notes.length > 0 ? ` (${notes.length} note${notes.length > 1 ? 's' : ''})` : ''}`;
  return [head, ...lines].join('\n');
}
