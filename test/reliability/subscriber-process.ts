/**
 * The test's side of the slow-subscriber child process (`slow-subscriber.child.ts`): starts it,
 * reads what it prints (connection events, progress, its final report) and sends it commands.
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
  readonly stats: { readonly overflowDrops: number; readonly rejectedTotal: number };
}

interface Line extends ChildEvent, ChildReport {
  readonly delivered: number;
  readonly highest: number;
}

/** Starts the subscriber process on `url` under `prefix`. */
export function startSubscriber(url: string, prefix: string) {
  const proc: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', childFile, url, prefix],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const events: ChildEvent[] = [];
  let report: ChildReport | undefined;
  let ready = false;
  let up = true;
  let delivered = 0;
  let highest = 0;
  let lines = 0;
  let buffered = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete) {
      const line = JSON.parse(text) as Line;
      lines++;
      if (line.type === 'ready') ready = true;
      else if (line.type === 'report') report = line;
      else if (line.type === 'progress') {
        delivered = line.delivered;
        highest = line.highest;
      } else {
        events.push(line);
        if (line.name === 'disconnected' || line.name === 'reconnecting') up = false;
        else if (line.name === 'connected' || line.name === 'resubscribed') up = true;
      }
    }
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
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
    /** Lines it has printed: moves while the process runs. */
    get lines() {
      return lines;
    },
    get stderr() {
      return stderr;
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
