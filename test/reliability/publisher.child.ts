/**
 * A publisher in its own OS process, for scenarios whose publishers must not share a CPU or an
 * event loop with the receiver. Run as
 * `node --import tsx <this file> <redis|postgres> <url> <prefix> <nodeId> <rate>`.
 *
 * It prints one JSON object per line on stdout: `{type:'ready'}` once started, every 200 ms
 * `{type:'progress', issued, ok, rejected, inFlight}`, and on `stop` the publish log: when each
 * numbered publish started and settled (ms after `t0`), which ones rejected, which never settled
 * within `SETTLE_MS` of the stop (a hung publish is reported, not waited for forever), and the
 * load's figures.
 * Commands on stdin: `start` (publish `rate` msg/s with the suite's load, numbered 1, 2, 3, ...),
 * `stop` (stop publishing, wait for those in flight, report, exit).
 */
import { createInterface } from 'node:readline';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createBus } from '../../src/index.js';
import { keys, registry, TOPIC } from './fixtures.js';
import { type Load, type LoadResult, type PublishBooks, startLoad } from './load.js';

const [kind = 'postgres', url = '', prefix = '', nodeId = 'pub', rate = '1000'] =
  process.argv.slice(2);
const say = (value: object): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
/** How long `stop` waits for the publishes in flight (publishTimeoutMs is 5 s). */
const SETTLE_MS = 20_000;

/** Every publish's start and end (ms after t0) and outcome, by sequence number. */
class PublishLog implements PublishBooks {
  readonly t0 = Date.now();
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly refused: number[] = [];
  readonly settled: boolean[] = [];

  begin(seq: number, at: number): void {
    this.start[seq - 1] = at - this.t0;
    this.end[seq - 1] = at - this.t0;
    this.settled[seq - 1] = false;
  }

  settle(seq: number, at: number, ok: boolean): void {
    this.end[seq - 1] = at - this.t0;
    this.settled[seq - 1] = true;
    if (!ok) this.refused.push(seq);
  }

  /** Numbers whose publish has not settled. */
  unsettled(): number[] {
    return this.settled.flatMap((done, i) => (done ? [] : [i + 1]));
  }
}

const bus = createBus({
  registry,
  keys,
  nodeId,
  transport:
    kind === 'postgres'
      ? postgresTransport({ connectionString: url, prefix })
      : redisTransport({ url, prefix }),
});
await bus.start();
say({ type: 'ready', at: Date.now() });

const log = new PublishLog();
let load: Load | undefined;
const progress = setInterval(
  () =>
    say({
      type: 'progress',
      at: Date.now(),
      issued: load?.issued ?? 0,
      ok: load?.ok ?? 0,
      rejected: load?.rejected ?? 0,
      inFlight: load?.inFlight ?? 0,
    }),
  200,
);

for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim();
  if (command === 'start' && !load) {
    load = startLoad(bus, [log], { rate: Number(rate), topic: TOPIC, maxInFlight: 2000 });
  } else if (command === 'stop') break;
}
const stopping = load?.stop();
const result = await Promise.race([
  stopping,
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SETTLE_MS)),
]);
clearInterval(progress);
const unsettled = log.unsettled();
const report = {
  type: 'report',
  node: nodeId,
  t0: log.t0,
  start: log.start,
  end: log.end,
  refused: log.refused,
  unsettled,
  // Without the load's figures when a publish hung: what the counters say.
  result: (result ?? {
    issued: load?.issued ?? 0,
    ok: load?.ok ?? 0,
    rejected: load?.rejected ?? 0,
    issuedRate: Math.round((load?.issued ?? 0) / ((Date.now() - log.t0 - SETTLE_MS) / 1000)),
    elapsedMs: Date.now() - log.t0 - SETTLE_MS,
    okRate: 0,
    byTransport: {},
    perSecond: [],
    publishP50Ms: -1,
    publishP99Ms: -1,
  }) satisfies LoadResult,
  rejections: load?.rejections ?? [],
  errors: (load?.errors ?? []).map(String),
};
// The report is large (two numbers per message): a pipe takes 64 KB at once and the rest is
// written asynchronously, so exit only once it is all out, or the parent gets a truncated line.
const written = new Promise<void>((resolve) =>
  process.stdout.write(`${JSON.stringify(report)}\n`, () => resolve()),
);
if (unsettled.length === 0) await bus.stop();
await written;
process.exit(0);
