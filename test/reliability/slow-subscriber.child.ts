/**
 * The subscriber of the slow-subscriber scenarios, in its own process so that it can be stalled
 * (SIGSTOP) or made CPU-bound without slowing the publishers. Run as
 * `node --import tsx <this file> <url> <prefix> [redis|postgres] [workMs]`: on Redis (the
 * default) or PostgreSQL, its handler burning `workMs` (default 0) of CPU per message from the
 * start.
 *
 * It prints one JSON object per line on stdout: `{type:'ready'}` once subscribed, every
 * connection event as `{type:'event', name, at, detail}`, every 200 ms (from a timer, or from
 * the handler while a busy event loop runs no timer) `{type:'progress', at, delivered, refused,
 * highest, highestBy, listenerPid}` (`highestBy`: the highest number of each publisher delivered
 * or refused), and on the `report` command the sequence numbers it delivered (as ranges), duplicates, reorders, each
 * publisher's deliveries in the order they came (`byNode`), the refusals, gaps and bus statistics.
 * Commands on stdin: `slow <msPerMessage> <file>` (the handler burns CPU for that long per message
 * until `file` exists), `report`, `stop`. The end of the slowness comes through the file system
 * because a CPU-bound process reads no stdin: libuv reads its socket up to 32 times in a row, and
 * each read's messages run to completion, so a line on stdin may wait many seconds.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { createBus, type Gap } from '../../src/index.js';
import { keys, registry, TOPIC } from './fixtures.js';
import { rejectedId } from './ledger.js';

const [url = '', prefix = '', kind = 'redis', work = '0'] = process.argv.slice(2);
const say = (value: object): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

const bus = createBus({
  registry,
  keys,
  nodeId: 'slow',
  transport:
    kind === 'postgres'
      ? postgresTransport({ connectionString: url, prefix })
      : redisTransport({ url, prefix }),
});
const delivered: number[] = [];
/** Each publisher's deliveries in the order they came, as runs of consecutive numbers. */
const byNode: Record<string, [number, number][]> = {};
/** The highest number of each publisher it delivered or refused. */
const highestBy: Record<string, number> = {};
/** `[node, seq, reason]` of every message the bus refused. */
const refusals: [string, number, string][] = [];
const gaps: Gap[] = [];
let highest = 0;
let slowMs = Number(work);
let fastFile = '';

const listenerPid = (): number => Number(bus.transport().detail?.listenerPid ?? 0);
let progressAt = 0;
/** Prints how far it has got (also from the handler: a busy event loop runs no timer for long). */
function sayProgress(): void {
  progressAt = performance.now();
  say({
    type: 'progress',
    at: Date.now(),
    delivered: delivered.length,
    refused: refusals.length,
    highest,
    highestBy,
    listenerPid: listenerPid(),
  });
}

for (const name of ['disconnected', 'reconnecting', 'resubscribed', 'connected'] as const) {
  bus.on(name, (detail) => say({ type: 'event', name, at: Date.now(), detail }));
}
bus.on('gap', (gap) => {
  gaps.push(gap);
  say({ type: 'event', name: 'gap', at: Date.now(), detail: gap });
});
bus.on('rejected', (rejection) => {
  const id = rejectedId(rejection.detail);
  refusals.push([id?.node ?? '?', id?.seq ?? 0, rejection.reason]);
  if (id) highestBy[id.node] = Math.max(highestBy[id.node] ?? 0, id.seq);
});
await bus.start();
await bus.subscribe(
  TOPIC,
  (message) => {
    const { node, seq } = message.meta;
    delivered.push(seq);
    highest = Math.max(highest, seq);
    highestBy[node] = Math.max(highestBy[node] ?? 0, seq);
    const runs = (byNode[node] ??= []);
    const last = runs.at(-1);
    if (last && last[1] === seq - 1) last[1] = seq;
    else runs.push([seq, seq]);
    if (performance.now() - progressAt >= 200) sayProgress();
    if (slowMs > 0 && fastFile !== '' && existsSync(fastFile)) slowMs = 0;
    if (slowMs > 0) {
      const until = performance.now() + slowMs;
      while (performance.now() < until) {
        // A CPU-bound handler: the event loop reads nothing meanwhile.
      }
    }
  },
  { queue: { limit: 1_000_000 } },
);
say({ type: 'ready', at: Date.now() });
// How far it has got: the test waits on this while the subscriber drains a backlog.
const progress = setInterval(sayProgress, 200);

/** Sorted unique numbers as [from, to] ranges, with the duplicate and reorder counts. */
function summarize(seqs: readonly number[]) {
  let duplicates = 0;
  let reordered = 0;
  let highest = 0;
  const seen = new Set<number>();
  for (const seq of seqs) {
    if (seen.has(seq)) duplicates++;
    seen.add(seq);
    if (seq < highest) reordered++;
    highest = Math.max(highest, seq);
  }
  const sorted = [...seen].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const seq of sorted) {
    const last = ranges.at(-1);
    if (last && last[1] === seq - 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return { ranges, duplicates, reordered, count: seen.size };
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, a, b] = line.trim().split(' ');
  if (command === 'slow') {
    slowMs = Number(a);
    fastFile = b ?? '';
    say({ type: 'slow', at: Date.now(), ms: slowMs });
  } else if (command === 'report') {
    say({
      type: 'report',
      ...summarize(delivered),
      byNode,
      refusals,
      gaps,
      stats: bus.stats(),
    });
  } else if (command === 'stop') {
    break;
  }
}
clearInterval(progress);
await bus.stop();
process.exit(0);
