/**
 * A Node child process running a TypeScript script (through tsx) for multi-process tests: its
 * stdout is collected line by line, its stderr is printed when it exits with a failure.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/** A running child and the lines it printed so far. */
export interface ChildNode {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Complete stdout lines, in order. */
  readonly lines: string[];
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
}

/** Starts `node --import tsx <script> ...args`; `label` names it in failure output. */
export function spawnTsx(
  script: string,
  args: readonly string[],
  label = args[0] ?? script,
): ChildNode {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  proc.once('exit', (code) => {
    if (code !== 0) console.error(`child ${label} exited ${code}:\n${stderr}`);
  });
  return { proc, lines, exited: () => exit };
}
