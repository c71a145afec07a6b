/**
 * Packing Herald and installing the tarball into throw-away projects, for test/package tests.
 * `npm install --prefer-offline` takes what the npm cache holds and asks the registry only for
 * what it lacks, so a second run is quick.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** What a command printed, and how it exited. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; never rejects (a failure is `code !== 0`). */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string | undefined>> = {},
  timeoutMs = 180_000,
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Throws with the command's output unless it exited 0. */
export function ok(ran: Ran, what: string): Ran {
  if (ran.code !== 0) {
    throw new Error(`${what} exited ${ran.code}\n${ran.stdout}\n${ran.stderr}`);
  }
  return ran;
}

/** A fresh temporary directory. */
export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `herald-${name}-`));

/**
 * Builds the current sources into a staging copy of the package and packs it, as `npm pack`
 * would after `prepack` (without touching this repository's dist/). Returns the tarball path.
 */
export async function packHerald(workDir: string): Promise<string> {
  const stage = join(workDir, 'stage');
  mkdirSync(stage, { recursive: true });
  for (const file of ['package.json', 'README.md', 'LICENSE']) {
    cpSync(join(ROOT, file), join(stage, file));
  }
  cpSync(join(ROOT, 'docs'), join(stage, 'docs'), { recursive: true });
  ok(
    await run(
      process.execPath,
      [TSC, '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')],
      ROOT,
    ),
    'tsc (build)',
  );
  ok(
    await run(process.execPath, [join(ROOT, 'scripts/cjs-entries.mjs'), stage], ROOT),
    'cjs entries',
  );
  const packed = ok(
    await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir], stage),
    'npm pack',
  );
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  return join(workDir, info?.filename ?? 'missing.tgz');
}

/** Creates a project directory with a package.json (ESM unless told) and @types/node for tsc. */
export function createProject(dir: string, type: 'module' | 'commonjs' = 'module'): string {
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, 'test/package/fixtures/app'), dir, { recursive: true });
  const pkg = { name: 'herald-consumer', version: '1.0.0', private: true, type };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  mkdirSync(join(dir, 'types'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(dir, 'types/node'));
  return dir;
}

/** `npm install --prefer-offline` of `specs` into `dir`. */
export async function npmInstall(dir: string, specs: readonly string[]): Promise<Ran> {
  return ok(
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], dir),
    `npm install ${specs.join(' ')}`,
  );
}

/** The packages installed in `dir` (npm's hidden lock file lists each once). */
export function installedPackages(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return Object.keys(lock.packages)
    .filter((path) => path.startsWith('node_modules/'))
    .map((path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
}

/** Total size in bytes of the files under `dir` (apparent size, as `du -sb`). */
export function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += lstatSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Runs the repository's TypeScript compiler on a project. */
export const tsc = (cwd: string, project: string): Promise<Ran> =>
  run(process.execPath, [TSC, '-p', project], cwd);
