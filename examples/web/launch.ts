/**
 * Starts demo instances as child processes (`node --import tsx examples/web/instance.ts`) and
 * stops them. Each child prints `<node> ready <url>` once it serves; the launcher resolves with
 * every URL. A child exits when its parent does: it watches its stdin, which closes with the
 * parent, so a launcher killed outright leaves no orphan behind.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DemoEnv } from './settings.js';

const INSTANCE_SCRIPT = fileURLToPath(new URL('./instance.ts', import.meta.url));
const READY = /^(\S+) ready (http:\/\/\S+)$/;

/** One running instance process. */
export interface InstanceProcess {
  readonly nodeId: string;
  /** Where its page is served. */
  readonly url: string;
  readonly proc: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/** What to start. */
export interface LaunchOptions {
  /** One instance per node id. */
  readonly nodeIds: readonly string[];
  /** The HTTP port of each (same order); 0 or missing: a free one. */
  readonly ports?: readonly number[];
  /** Environment of every child, on top of this process's (keys, transport, periods, prefix). */
  readonly env: Readonly<Record<string, string>>;
  /** Every line a child writes (stdout and stderr). @default written with a `[node]` prefix */
  readonly output?: (nodeId: string, line: string) => void;
  /** How long a child may take to print its ready line. @default 30000 */
  readonly readyTimeoutMs?: number;
}

function lines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) each(line);
  });
}

const prefixed = (nodeId: string, line: string): void => {
  process.stdout.write(`[${nodeId}] ${line}\n`);
};

/** Starts one child and resolves once it printed its ready line. */
export function launchOne(
  nodeId: string,
  port: number,
  options: LaunchOptions,
): Promise<InstanceProcess> {
  const output = options.output ?? prefixed;
  const proc = spawn(process.execPath, ['--import', 'tsx', INSTANCE_SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, [DemoEnv.Node]: nodeId, [DemoEnv.Port]: String(port) },
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(`instance ${nodeId} did not get ready in ${options.readyTimeoutMs ?? 30_000} ms`),
      );
    }, options.readyTimeoutMs ?? 30_000);
    const fail = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`instance ${nodeId} exited (${code}) before it was ready`));
    };
    proc.once('exit', fail);
    lines(proc.stderr, (line) => output(nodeId, line));
    lines(proc.stdout, (line) => {
      const ready = READY.exec(line);
      if (ready?.[1] === nodeId && ready[2] !== undefined) {
        clearTimeout(timer);
        proc.off('exit', fail);
        resolve({ nodeId, url: ready[2], proc, exited });
        return;
      }
      output(nodeId, line);
    });
  });
}

/** Starts every instance in parallel; if one fails, stops the others and rejects. */
export async function launchInstances(options: LaunchOptions): Promise<InstanceProcess[]> {
  const started = options.nodeIds.map((nodeId, i) =>
    launchOne(nodeId, options.ports?.[i] ?? 0, options),
  );
  const settled = await Promise.allSettled(started);
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed === undefined) return ok;
  await stopInstances(ok);
  throw failed.reason;
}

/**
 * Stops instances: SIGTERM (each stops its bus gracefully, so its presences leave at once), then
 * SIGKILL for any still running after `graceMs`. Resolves when every one has exited.
 */
export async function stopInstances(
  instances: readonly InstanceProcess[],
  graceMs = 5000,
): Promise<void> {
  await Promise.all(
    instances.map(async ({ proc, exited }) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}
