/**
 * The test's side of a publisher child process (`publisher.child.ts`): starts it, tells it when to
 * start and stop publishing, and books its publish log into a Ledger.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './fixtures.js';
import type { Ledger } from './ledger.js';
import type { LoadResult } from './load.js';
import { jsonLines } from './subscriber-process.js';

const childFile = fileURLToPath(new URL('./publisher.child.ts', import.meta.url));

/** What a publisher process reports when it stops. */
export interface PublisherReport {
  readonly node: string;
  /** When each publish started and settled, in ms after `t0`, at index `seq - 1`. */
  readonly t0: number;
  readonly start: readonly number[];
  readonly end: readonly number[];
  /** Numbers whose publish rejected with PUBLISH_FAILED. */
  readonly refused: readonly number[];
  /** Numbers whose publish never settled (neither resolved nor rejected) within 20 s of the stop. */
  readonly unsettled: readonly number[];
  readonly result: LoadResult;
  /** The first few PUBLISH_FAILED messages. */
  readonly rejections: readonly string[];
  /** Publish errors other than PUBLISH_FAILED (must be none). */
  readonly errors: readonly string[];
}

interface Line extends Partial<PublisherReport> {
  readonly type: string;
  readonly issued?: number;
  readonly ok?: number;
  readonly rejected?: number;
  readonly inFlight?: number;
}

/** Starts a publisher process `node` on `url` (Redis or PostgreSQL) that will publish `rate` msg/s. */
export function startPublisher(
  transport: 'redis' | 'postgres',
  url: string,
  prefix: string,
  node: string,
  rate: number,
) {
  const proc: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', childFile, transport, url, prefix, node, String(rate)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let ready = false;
  let issued = 0;
  let last = 'no progress yet';
  let report: PublisherReport | undefined;
  const output = jsonLines<Line>(proc, (line) => {
    if (line.type === 'ready') ready = true;
    else if (line.type === 'progress') {
      issued = line.issued ?? 0;
      last = `issued ${issued}, ok ${line.ok}, rejected ${line.rejected}, in flight ${line.inFlight}`;
    } else if (line.type === 'report') report = line as PublisherReport;
  });
  return {
    node,
    proc,
    get ready() {
      return ready;
    },
    /** Publishes started so far, as last reported (every 200 ms). */
    get issued() {
      return issued;
    },
    get stderr() {
      return output.stderr;
    },
    start: () => void proc.stdin.write('start\n'),
    /** Stops publishing, waits for the publishes in flight, and returns the publish log. */
    async stop(): Promise<PublisherReport> {
      proc.stdin.write('stop\n');
      await waitFor(
        () => report !== undefined,
        `publisher ${node}'s report (${last}; exit ${proc.exitCode}; ${output.stderr.slice(-500)})`,
        60_000,
      );
      return report!;
    },
  };
}

/** A running publisher process. */
export type PublisherProcess = ReturnType<typeof startPublisher>;

/** Books a publisher's log into `ledger` (sized for the whole run): every start and outcome. */
export function bookPublishes(ledger: Ledger, report: PublisherReport): void {
  const refused = new Set(report.refused);
  const unsettled = new Set(report.unsettled);
  for (let i = 0; i < report.start.length; i++) {
    const seq = i + 1;
    ledger.begin(seq, report.t0 + report.start[i]!);
    // A publish that never settled stays open: the books count it as `unsettled`, an anomaly.
    if (!unsettled.has(seq)) ledger.settle(seq, report.t0 + report.end[i]!, !refused.has(seq));
  }
}
