/**
 * Runs the `herald` CLI (`node --import tsx codegen/cli.ts ...`) from the repository root, for the
 * CLI's tests: `herald()` to completion, `spawnHerald()` for the long-running commands (`tail`,
 * `codegen --watch`), whose output is read live.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A finished run. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a child: this process's, without Herald's variables, plus `env`. */
function childEnv(env: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'HERALD_KEYS',
    'HERALD_TRANSPORT',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
  ]) {
    delete base[name];
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

/** Runs the CLI to completion. */
export function herald(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
  input?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'codegen/cli.ts', ...args],
      { cwd: ROOT, env: childEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** A running CLI process. */
export interface LiveCli {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /**
   * Resolves when a stdout line at index `from` or later (or, with `stream: 'stderr'`, the
   * stderr text) matches.
   */
  waitFor(
    match: RegExp,
    options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number; from?: number },
  ): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited(): Promise<number | null>;
}

/** Starts the CLI and returns at once. */
export function spawnHerald(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): LiveCli {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'codegen/cli.ts', ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let errText = '';
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  proc.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    notify();
  });
  proc.stderr.on('data', (chunk: Buffer) => {
    errText += chunk.toString();
    notify();
  });
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    stderr: () => errText,
    exited: () => exit,
    waitFor(match, { stream = 'stdout', timeoutMs = 30_000, from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found =
            stream === 'stderr'
              ? (match.exec(errText)?.[0] ?? undefined)
              : lines.slice(from).find((line) => match.test(line));
          if (found !== undefined) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${stream} output matching ${match} within ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${errText}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
