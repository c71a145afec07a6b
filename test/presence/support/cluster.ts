/**
 * The parent side of the three-process presence tests: spawns presence nodes
 * (node.child.ts), keeps each one's latest listing and every event it printed, and waits for
 * conditions with clear timeouts. Times come from the children's clocks (same machine).
 *
 * Waits are anchored on a position in a node's lines (`from`), never on a timestamp: lines carry
 * millisecond times, and a node often prints its last intermediate listing and the converged one
 * in the same millisecond in which the parent sees the latter and acts (kills a node, say). A
 * search for "the first listing X at or after time T" then picks that intermediate listing,
 * printed before the action, as if it were caused by it. Positions have no such tie: everything
 * after a line in `lines` was printed after it.
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
  /**
   * Resolves with the first line at index `from` or later in `lines` (already printed or to
   * come) that satisfies `match`.
   */
  waitFor(
    match: (line: NodeLine) => boolean,
    timeoutMs?: number,
    what?: string,
    from?: number,
  ): Promise<NodeLine>;
  /** The position just after `line` in `lines`: what the node printed after it starts there. */
  after(line: NodeLine): number;
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
  const node = watchNode(id, proc);
  await node.waitFor((l) => l.t === 'ready', 30_000, '"ready" line');
  return node;
}

/** Collects the JSON lines a node process prints (exported for the harness's own test). */
export function watchNode(id: string, proc: ChildProcess): NodeProcess {
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
    after(line) {
      const index = lines.indexOf(line);
      if (index < 0) throw new Error(`node ${id}: ${JSON.stringify(line)} is not one of its lines`);
      return index + 1;
    },
    waitFor(match, timeoutMs = 15_000, what = 'a matching line', from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find((line, index) => index >= from && match(line));
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `node ${id}: no ${what} within ${timeoutMs} ms (from line ${from}); last lines: ${JSON.stringify(lines.slice(-3))}; stderr: ${stderr.slice(-2000)}`,
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
  return node;
}

/** Sorted `node/key/name` lines of what each node tracks. */
export const expectedLines = (tracked: Record<string, [key: string, name: string][]>): string[] =>
  Object.entries(tracked)
    .flatMap(([node, entries]) => entries.map(([key, name]) => `${node}/${key}/${name}`))
    .sort();

/**
 * Resolves with the first event line at position `from` or later (see `after`) after which
 * `node` lists exactly `want`.
 */
export function listingReaches(
  node: NodeProcess,
  want: string[],
  from: number,
  timeoutMs = 15_000,
): Promise<NodeLine> {
  const target = JSON.stringify(want);
  return node.waitFor(
    (l) => l.t === 'event' && JSON.stringify(l.lines) === target,
    timeoutMs,
    `listing ${target}`,
    from,
  );
}

/** The event lines of `node` from position `from` on. */
export const eventsFrom = (node: NodeProcess, from: number): NodeLine[] =>
  node.lines.slice(from).filter((l) => l.t === 'event');

/** True when the node's latest listing is `want`. */
export const lists = (node: NodeProcess, want: string[]): boolean =>
  JSON.stringify(node.listing()) === JSON.stringify(want);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
