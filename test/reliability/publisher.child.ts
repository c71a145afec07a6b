/**
 * A publisher in its own OS process, for scenarios whose publishers must not share a CPU or an
 * event loop with the receiver. Run as
 * `node --import tsx <this file> <redis|postgres> <url> <prefix> <nodeId> <rate>`.
 *
 * It prints one JSON object per line on stdout: `{type:'ready'}` once started, every 200 ms
 * `{type:'progress', issued, ok, rejected}`, and on `stop` the publish log: when each numbered
 * publish started and settled (ms after `t0`), which ones rejected, and the load's figures.
 * Commands on stdin: `start` (publish `rate` msg/s with the suite's load, numbered 1, 2, 3, ...),
 * `stop` (stop publishing, wait for those in flight, report, exit).
 */
import { createInterface } from 'node:readline';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createBus } from '../../src/index.js';
import { keys, registry, TOPIC } from './fixtures.js';
import { type Load, type PublishBooks, startLoad } from './load.js';

const [kind = 'postgres', url = '', prefix = '', nodeId = 'pub', rate = '1000'] =
  process.argv.slice(2);
const say = (value: object): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

/** Every publish's start and end (ms after t0) and outcome, by sequence number. */
class PublishLog implements PublishBooks {
  readonly t0 = Date.now();
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly refused: number[] = [];

  begin(seq: number, at: number): void {
    this.start[seq - 1] = at - this.t0;
    this.end[seq - 1] = at - this.t0;
  }

  settle(seq: number, at: number, ok: boolean): void {
    this.end[seq - 1] = at - this.t0;
    if (!ok) this.refused.push(seq);
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
    }),
  200,
);

for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim();
  if (command === 'start' && !load) {
    load = startLoad(bus, [log], { rate: Number(rate), topic: TOPIC, maxInFlight: 2000 });
  } else if (command === 'stop') break;
}
clearInterval(progress);
const result = load ? await load.stop() : undefined;
say({
  type: 'report',
  node: nodeId,
  t0: log.t0,
  start: log.start,
  end: log.end,
  refused: log.refused,
  result,
  rejections: load?.rejections ?? [],
  errors: (load?.errors ?? []).map(String),
});
await bus.stop();
process.exit(0);
