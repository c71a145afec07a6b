/**
 * `herald codegen`: generate, or with `--check` compare, the output of one registry, behind the
 * compatibility gate; with `--watch`, again on every change of the registry's sources.
 */
import { existsSync, watch } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Registry } from '../src/index.js';
import { parseCommand, usage } from './args.js';
import { LOCK_FILE } from './emit/lock.js';
import { CodegenError, CodegenErrorCode } from './errors.js';
import { diffOutput, type OutputDiff, upToDate, writeOutput } from './files.js';
import { checkAgainstLock, type GateReport } from './gate.js';
import { formatReport } from './gate-report.js';
import { generate, relativeImport } from './index.js';
import { loadRegistry } from './load.js';
import { readLock } from './lock-read.js';

/** The registry path as the banner names it: relative to its package root, `/`-separated. */
function sourceLabel(registryPath: string): string {
  let dir = dirname(registryPath);
  while (!existsSync(resolve(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return relative(dirname(registryPath), registryPath);
    dir = parent;
  }
  return relative(dir, registryPath).split(sep).join('/');
}

/** The options of `herald codegen` after parsing. */
export interface CodegenFlags {
  readonly registry: string;
  readonly out: string;
  readonly check?: boolean | undefined;
  readonly export?: string | undefined;
  readonly herald?: string | undefined;
  readonly 'allow-breaking'?: boolean | undefined;
  /** Also emit the typed page client (`browser.ts`, `browser-validators.ts`). */
  readonly browser?: boolean | undefined;
}

/** Runs `herald codegen`; with `--watch`, until `stopped` resolves. Returns the exit code. */
export async function codegen(args: string[], stopped: Promise<void>): Promise<number> {
  const { values } = parseCommand({
    args,
    options: {
      registry: { type: 'string' },
      out: { type: 'string' },
      check: { type: 'boolean' },
      export: { type: 'string' },
      herald: { type: 'string' },
      'allow-breaking': { type: 'boolean' },
      watch: { type: 'boolean' },
      browser: { type: 'boolean' },
    },
  });
  const registryArg = values.registry;
  const outArg = values.out?.replace(/(.)\/+$/, '$1');
  if (!registryArg) throw usage('codegen needs --registry <module>');
  if (!outArg) throw usage('codegen needs --out <dir>');
  const flags: CodegenFlags = { ...values, registry: registryArg, out: outArg };
  if (values.watch) {
    if (values.check) throw usage('--watch and --check do not go together', 'pick one');
    return watchCodegen(flags, stopped);
  }
  return codegenOnce(flags);
}

/** What the registry generates, against what the output directory holds. */
export interface Comparison {
  /** The generated files, by path relative to the output directory. */
  readonly files: ReadonlyMap<string, string>;
  readonly diff: OutputDiff;
  /** The compatibility gate's report; undefined without a usable lock file. */
  readonly gate: GateReport | undefined;
  /** Why the gate did not run, when a lock of an older format is in the way. */
  readonly gateSkipped: string | undefined;
}

/** Generates in memory and compares with the output directory: `--check` without printing. */
export async function compareOutput(values: CodegenFlags): Promise<Comparison> {
  const loaded = await loadRegistry(values.registry, { exportName: values.export });
  const outDir = resolve(values.out);
  const files = generate(loaded.registry, {
    registryImport: relativeImport(outDir, loaded.path),
    registryExport: loaded.exportName,
    herald: values.herald ?? 'herald',
    source: sourceLabel(loaded.path),
    browser: values.browser === true,
  });
  const { report, skipped } = await gateOutput(outDir, loaded.registry);
  return { files, diff: await diffOutput(outDir, files), gate: report, gateSkipped: skipped };
}

/** One run of codegen (or of `--check`); returns the exit code. */
export async function codegenOnce(values: CodegenFlags): Promise<number> {
  const outArg = values.out;
  const { files, diff, gate, gateSkipped } = await compareOutput(values);
  if (gateSkipped !== undefined) {
    console.error(`herald codegen: compatibility gate skipped: ${gateSkipped}`);
  }
  if (gate?.ok === false) console.error(formatReport(gate, `${outArg}/${LOCK_FILE}`));
  if (values.check) {
    if (gate?.ok === false) {
      console.error(`  hint: a breaking change needs a new version (docs/schema-evolution.md)`);
      return 1;
    }
    if (upToDate(diff)) {
      console.log(`herald codegen: ${outArg} is up to date (${files.size} files)`);
      return 0;
    }
    console.error(`herald codegen: ${outArg} is out of date:`);
    for (const [label, paths] of [
      ['stale  ', diff.stale],
      ['missing', diff.missing],
      ['extra  ', diff.extra],
    ] as const) {
      for (const path of paths) console.error(`  ${label} ${outArg}/${path}`);
    }
    console.error(
      `  hint: regenerate with herald codegen ${regenerateArgs(values)} and commit the result`,
    );
    return 1;
  }
  if (gate?.ok === false && !values['allow-breaking']) {
    console.error(
      `herald codegen: not writing ${outArg}: the change breaks the lock's compatibility modes (hint: declare a new version with .evolve(), or pass --allow-breaking to accept it knowingly)`,
    );
    return 1;
  }
  const result = await writeOutput(resolve(outArg), files);
  const changes = [
    `${result.written.length} written`,
    `${result.unchanged.length} unchanged`,
    ...(result.removed.length > 0 ? [`${result.removed.length} removed`] : []),
  ];
  console.log(`herald codegen: ${outArg}: ${changes.join(', ')}`);
  return 0;
}

/** The options that regenerate the same output, for hints. */
export function regenerateArgs(values: CodegenFlags): string {
  return [
    `--registry ${values.registry}`,
    `--out ${values.out}`,
    ...(values.export ? [`--export ${values.export}`] : []),
    ...(values.herald ? [`--herald ${values.herald}`] : []),
    ...(values.browser ? ['--browser'] : []),
  ].join(' ');
}

/** Runs the gate against the lock in the output directory; no report when there is none to use. */
async function gateOutput(
  outDir: string,
  registry: Registry,
): Promise<{ report: GateReport | undefined; skipped: string | undefined }> {
  let lock: Awaited<ReturnType<typeof readLock>>;
  try {
    lock = await readLock(join(outDir, LOCK_FILE));
  } catch (error) {
    if (error instanceof CodegenError && error.code === CodegenErrorCode.LockOutdated) {
      return { report: undefined, skipped: `${error.message} (${error.hint})` };
    }
    throw error;
  }
  if (lock === undefined) return { report: undefined, skipped: undefined };
  return { report: checkAgainstLock(lock, registry), skipped: undefined };
}

/** Files whose change triggers a new run: sources and JSON, outside the output and node_modules. */
function isSource(path: string, outDir: string): boolean {
  if (path === outDir || path.startsWith(outDir + sep)) return false;
  if (path.split(sep).includes('node_modules')) return false;
  return /\.(c|m)?(t|j)sx?$|\.json$/.test(path);
}

/**
 * `--watch`: runs codegen, then again each time a source file under the registry's directory
 * changes (debounced by 150 ms: an editor's save is several events), until `stopped` resolves.
 * When that directory is a project root (it holds package.json or node_modules), only its own
 * files are watched, not its subdirectories.
 * A failed run (a syntax error, a breaking change) is reported and waits for the next change.
 * TypeScript registries are imported afresh each run (tsx gives every import its own module
 * namespace), their own imports included.
 */
async function watchCodegen(flags: CodegenFlags, stopped: Promise<void>): Promise<number> {
  const registryPath = resolve(flags.registry);
  const root = dirname(registryPath);
  const outDir = resolve(flags.out);
  const runOnce = async (): Promise<void> => {
    try {
      await codegenOnce(flags);
    } catch (error) {
      const hint = error instanceof CodegenError && error.hint ? ` (hint: ${error.hint})` : '';
      console.error(
        `herald codegen: ${error instanceof Error ? error.message : String(error)}${hint}`,
      );
    }
  };
  await runOnce();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  // A registry at a project's root: watch that directory only, not node_modules and the rest.
  const recursive =
    !existsSync(join(root, 'package.json')) && !existsSync(join(root, 'node_modules'));
  const watcher = watch(root, { recursive }, (_event, file) => {
    if (file === null || !isSource(resolve(root, file.toString()), outDir)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(async () => {
        console.log(
          `herald codegen: ${relative(process.cwd(), resolve(root, file.toString()))} changed`,
        );
        await runOnce();
      });
    }, 150);
  });
  console.error(
    `herald codegen: watching ${relative(process.cwd(), root) || '.'} for changes; Ctrl-C to stop`,
  );
  await stopped;
  clearTimeout(timer);
  watcher.close();
  await running;
  return 0;
}
