/**
 * The parent side of the three-process presence tests: spawns presence nodes
 * (node.child.ts), keeps each one's latest listing and every event it printed, and waits for
 * conditions with clear timeouts. Times come from the children's clocks (same machine).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./node.child.ts', import.meta.url));

/** One line a node printed. */
export interface NodeLine {
  readonly node: string;
  readonly at: number;
  readonly t: string;
  readonly kind?: 'state' | 'diff';
  readonly joins?: string[];
  readonly leaves?: string[];
  readonly lines?: string[];
  readonly [field: string]: unknown;
}

/** A running node process. */
export interface NodeProcess {
  readonly id: string;
  readonly proc: ChildProcess;
  /** Every line so far. */
  readonly lines: NodeLine[];
  /** Its latest listing (`node/key/name` lines), once it printed one. */
  listing(): string[] | undefined;
  send(command: object): void;
  /** Resolves with the first line (already printed or to come) that satisfies `match`. */
  waitFor(match: (line: NodeLine) => boolean, timeoutMs?: number, what?: string): Promise<NodeLine>;
  /** Resolves when the process exited. */
  readonly exited: Promise<number | null>;
}

/** Where the nodes meet. */
export interface ClusterConfig {
  readonly transport: 'redis' | 'postgres';
  readonly url: string;
  readonly namespace: string;
  readonly timings: { heartbeatMs: number; downAfterMs: number; permdownAfterMs: number };
}

/** Spawns one node; resolves once it printed `ready`. */
export async function spawnNode(config: ClusterConfig, id: string): Promise<NodeProcess> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      child,
      config.transport,
      config.url,
      id,
      config.namespace,
      JSON.stringify(config.timings),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: NodeLine[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
  proc.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (text.startsWith('{')) lines.push(JSON.parse(text) as NodeLine);
      newline = buffer.indexOf('\n');
    }
    for (const waiter of [...waiters]) waiter();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const node: NodeProcess = {
    id,
    proc,
    lines,
    exited,
    listing: () => lines.filter((l) => l.t === 'event').at(-1)?.lines,
    send: (command) => void proc.stdin?.write(`${JSON.stringify(command)}\n`),
    waitFor(match, timeoutMs = 15_000, what = 'a matching line') {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `node ${id}: no ${what} within ${timeoutMs} ms; last lines: ${JSON.stringify(lines.slice(-3))}; stderr: ${stderr.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) check();
        });
        check();
      });
    },
  };
  await node.waitFor((l) => l.t === 'ready', 30_000, '"ready" line');
  return node;
}

/** Sorted `node/key/name` lines of what each node tracks. */
export const expectedLines = (tracked: Record<string, [key: string, name: string][]>): string[] =>
  Object.entries(tracked)
    .flatMap(([node, entries]) => entries.map(([key, name]) => `${node}/${key}/${name}`))
    .sort();

/** Resolves with the first event line (from `since`) after which `node` lists exactly `want`. */
export function listingReaches(
  node: NodeProcess,
  want: string[],
  since: number,
  timeoutMs = 15_000,
) {
  const target = JSON.stringify(want);
  return node.waitFor(
    (l) => l.t === 'event' && l.at >= since && JSON.stringify(l.lines) === target,
    timeoutMs,
    `listing ${target}`,
  );
}

/** True when the node's latest listing is `want`. */
export const lists = (node: NodeProcess, want: string[]): boolean =>
  JSON.stringify(node.listing()) === JSON.stringify(want);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
