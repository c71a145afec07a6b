/**
 * `herald doctor`: is this machine ready to run the app? Node's version, the keys, each transport
 * the app may use (reachable, round trip, server version, clock skew against the server), the
 * generated code against the registry (lock-file drift, when `--registry` and `--out` are given)
 * and the OTLP endpoint. Prints a table with a verdict per line; exits 1 when any line fails.
 *
 * Checks run one after another (a transport probe takes a few ms; a dead one at most 2 s), so
 * the table's order is stable.
 */
import { DEFAULT_MAX_FUTURE_MS } from '../src/index.js';
import { parseCommand } from './args.js';
import { compareOutput, regenerateArgs } from './cli-codegen.js';
import { CONNECT_OPTIONS, type Env, keySourceLabel, readKeys, transportList } from './connect.js';
import {
  type CheckLine,
  checkKeys,
  checkNode,
  checkOtlp,
  checkTransport,
  type TransportTarget,
} from './doctor-checks.js';
import { upToDate } from './files.js';

/** The lock-file line: `codegen --check`, without printing. */
async function checkLock(values: {
  registry?: string | undefined;
  out?: string | undefined;
  export?: string | undefined;
  herald?: string | undefined;
}): Promise<CheckLine> {
  if (values.registry === undefined || values.out === undefined) {
    return {
      check: 'lock file',
      verdict: 'skip',
      detail: 'pass --registry and --out to compare generated code with the registry',
    };
  }
  const flags = { ...values, registry: values.registry, out: values.out };
  try {
    const { files, diff, gate, gateSkipped } = await compareOutput(flags);
    if (gate?.ok === false) {
      return {
        check: 'lock file',
        verdict: 'fail',
        detail: `${values.out}: ${gate.findings.length} breaking change(s) against herald.lock.json`,
        hint: 'declare a new version with .evolve(); herald codegen --check lists them',
      };
    }
    if (!upToDate(diff)) {
      const count = diff.stale.length + diff.missing.length + diff.extra.length;
      return {
        check: 'lock file',
        verdict: 'fail',
        detail: `${values.out} is out of date (${count} of ${files.size} files differ: ${[...diff.stale, ...diff.missing, ...diff.extra].slice(0, 3).join(', ')}${count > 3 ? ', ...' : ''})`,
        hint: `herald codegen ${regenerateArgs(flags)}`,
      };
    }
    return {
      check: 'lock file',
      verdict: gateSkipped === undefined ? 'ok' : 'warn',
      detail: `${values.out} is up to date (${files.size} files)${gateSkipped === undefined ? '' : `; gate skipped: ${gateSkipped}`}`,
    };
  } catch (error) {
    const hint = (error as { hint?: unknown }).hint;
    return {
      check: 'lock file',
      verdict: 'fail',
      detail: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
      ...(typeof hint === 'string' ? { hint } : {}),
    };
  }
}

/** The table: fixed-width columns, hints indented under their line. */
export function formatTable(lines: readonly CheckLine[]): string[] {
  const width = Math.max(5, ...lines.map((l) => l.check.length)) + 2;
  const rows = [`${'CHECK'.padEnd(width)}${'VERDICT'.padEnd(9)}DETAIL`];
  for (const l of lines) {
    rows.push(`${l.check.padEnd(width)}${l.verdict.padEnd(9)}${l.detail}`);
    if (l.hint !== undefined && (l.verdict === 'warn' || l.verdict === 'fail')) {
      rows.push(`${' '.repeat(width + 9)}hint: ${l.hint}`);
    }
  }
  const count = (v: string): number => lines.filter((l) => l.verdict === v).length;
  rows.push('');
  rows.push(
    `${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail, ${count('skip')} skipped`,
  );
  return rows;
}

/** Runs `herald doctor`; returns 1 when any check fails. */
export async function doctor(
  args: string[],
  env: Env,
  io: { readonly out: (line: string) => void; readonly err: (line: string) => void },
): Promise<number> {
  const { values } = parseCommand({
    args,
    options: {
      ...CONNECT_OPTIONS,
      out: { type: 'string' },
      herald: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const names = transportList(values, env);
  const explicit = values.transport !== undefined || Boolean(env.HERALD_TRANSPORT?.trim());
  const targets: TransportTarget[] = names.map((name) => {
    const url =
      name === 'redis'
        ? (values['redis-url'] ?? (env.REDIS_URL || undefined))
        : (values['database-url'] ?? (env.DATABASE_URL || undefined));
    return { name, url, configured: explicit || url !== undefined };
  });
  const lines: CheckLine[] = [checkNode()];
  let keys: Awaited<ReturnType<typeof readKeys>>;
  let keyError: unknown;
  try {
    keys = await readKeys(values, env);
  } catch (error) {
    keyError = error;
  }
  lines.push(
    checkKeys(keySourceLabel(values), () => {
      if (keyError !== undefined) throw keyError;
      return keys;
    }),
  );
  const transportLines: CheckLine[] = [];
  for (const target of targets) {
    transportLines.push(...(await checkTransport(target, DEFAULT_MAX_FUTURE_MS)));
  }
  // With `auto`, one reachable transport is enough; with none, the app cannot reach anyone.
  const reachable = transportLines.some(
    (l) => (l.check === 'redis' || l.check === 'postgres') && l.verdict === 'ok',
  );
  lines.push(...transportLines);
  if (!reachable) {
    lines.push({
      check: 'transport',
      verdict: 'fail',
      detail: `no transport answers (${names.join(', ')})`,
      hint: "start Redis or PostgreSQL, or point REDIS_URL / DATABASE_URL at the app's server",
    });
  }
  lines.push(await checkLock(values));
  lines.push(await checkOtlp(env));
  if (values.json) for (const l of lines) io.out(JSON.stringify(l));
  else for (const row of formatTable(lines)) io.out(row);
  return lines.some((l) => l.verdict === 'fail') ? 1 : 0;
}
