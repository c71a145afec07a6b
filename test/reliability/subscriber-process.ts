/**
 * The test's side of the slow-subscriber child process (`slow-subscriber.child.ts`): starts it,
 * reads what it prints (connection events, progress, its final report) and sends it commands.
 * `jsonLines` is the line protocol every child process of the suite speaks.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Gap } from '../../src/index.js';
import { waitFor } from './fixtures.js';

const childFile = fileURLToPath(new URL('./slow-subscriber.child.ts', import.meta.url));

/** A connection event the child printed. */
export interface ChildEvent {
  readonly type: string;
  readonly name?: string;
  readonly at: number;
  readonly detail?: { readonly reason?: string; readonly ms?: number } & Partial<Gap>;
}

/** What the child delivered, as it reports at the end. */
export interface ChildReport {
  readonly ranges: [number, number][];
  readonly duplicates: number;
  readonly reordered: number;
  readonly count: number;
  readonly gaps: Gap[];
  /** Each publisher's deliveries in the order they came, as runs of consecutive numbers. */
  readonly byNode: Readonly<Record<string, readonly [number, number][]>>;
  /** `[node, seq, reason]` of every message the receiving bus refused. */
  readonly refusals: readonly [string, number, string][];
  readonly stats: { readonly overflowDrops: number; readonly rejectedTotal: number };
}

interface Line extends ChildEvent, ChildReport {
  readonly delivered: number;
  readonly refused: number;
  readonly highest: number;
  readonly highestBy: Readonly<Record<string, number>>;
  readonly listenerPid: number;
}

/** Calls `onLine` with each JSON line `proc` prints on stdout; keeps the last 4000 chars of stderr. */
export function jsonLines<T>(
  proc: ChildProcessWithoutNullStreams,
  onLine: (line: T) => void,
): { readonly stderr: string } {
  let buffered = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete) onLine(JSON.parse(text) as T);
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return {
    get stderr() {
      return stderr;
    },
  };
}

/** Options of {@link startSubscriber}. */
export interface SubscriberOptions {
  /** @default 'redis' */
  readonly transport?: 'redis' | 'postgres';
  /** CPU the handler burns per message from the start, in ms. @default 0 */
  readonly workMs?: number;
}

/** Starts the subscriber process on `url` (a Redis or PostgreSQL URL) under `prefix`. */
export function startSubscriber(url: string, prefix: string, options: SubscriberOptions = {}) {
  const proc: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      childFile,
      url,
      prefix,
      options.transport ?? 'redis',
      String(options.workMs ?? 0),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const events: ChildEvent[] = [];
  let report: ChildReport | undefined;
  let ready = false;
  let up = true;
  let delivered = 0;
  let refused = 0;
  let highest = 0;
  let highestBy: Readonly<Record<string, number>> = {};
  let listenerPid = 0;
  let lines = 0;
  const output = jsonLines<Line>(proc, (line) => {
    lines++;
    if (line.type === 'ready') ready = true;
    else if (line.type === 'report') report = line;
    else if (line.type === 'progress') {
      delivered = line.delivered;
      refused = line.refused;
      highest = line.highest;
      highestBy = line.highestBy;
      listenerPid = line.listenerPid;
    } else {
      events.push(line);
      if (line.name === 'disconnected' || line.name === 'reconnecting') up = false;
      else if (line.name === 'connected' || line.name === 'resubscribed') up = true;
    }
  });
  return {
    proc,
    events,
    get ready() {
      return ready;
    },
    /** False from a `disconnected` or `reconnecting` event until it is connected again. */
    get up() {
      return up;
    },
    /** Messages its handler has taken, as last reported. */
    get delivered() {
      return delivered;
    },
    /** The highest sequence number it has delivered, as last reported. */
    get highest() {
      return highest;
    },
    /** Messages its bus refused (rejected events), as last reported. */
    get refused() {
      return refused;
    },
    /** The highest number of each publisher it delivered or refused, as last reported. */
    get highestBy() {
      return highestBy;
    },
    /** The transport's `status().detail.listenerPid` (PostgreSQL), as last reported. */
    get listenerPid() {
      return listenerPid;
    },
    /** Lines it has printed: moves while the process runs. */
    get lines() {
      return lines;
    },
    get stderr() {
      return output.stderr;
    },
    send: (command: string) => void proc.stdin.write(`${command}\n`),
    next: (name: string, since: number) => events.find((e) => e.name === name && e.at >= since),
    async report(): Promise<ChildReport> {
      report = undefined;
      proc.stdin.write('report\n');
      await waitFor(() => report !== undefined, 'the subscriber’s report', 30_000);
      return report!;
    },
  };
}

/** A running subscriber process. */
export type SubscriberProcess = ReturnType<typeof startSubscriber>;
