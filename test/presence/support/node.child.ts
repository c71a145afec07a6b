/**
 * One presence node of the three-process tests, run as its own Node process:
 * `node --import tsx node.child.ts <redis|postgres> <url> <nodeId> <namespace> <timings-json>`.
 *
 * It starts a bus on the given transport, subscribes to `room:lobby`'s presence, and prints one
 * JSON line per happening: `ready`, then an `event` per presence_state / presence_diff with its
 * local time and the listing after it — rebuilt from the events alone, as a client would.
 * Commands arrive as JSON lines on stdin, each answered by an `ok` line:
 * `{ "cmd": "track", "key", "name" }`, `{ "cmd": "update", "key", "name" }` (its `ok` carries the
 * new ref, or none when the key is not tracked), `{ "cmd": "untrack", "key" }` (its `ok` carries
 * whether it was tracked), `stats`, and `stop` (graceful: the leave is broadcast, then the process
 * exits).
 */
import { createInterface } from 'node:readline';
import { postgresTransport } from '../../../src/adapters/postgres/index.js';
import { redisTransport } from '../../../src/adapters/redis/index.js';
import { createBus, type PresenceOptions } from '../../../src/index.js';
import { testKeys } from '../../../src/testing/keys.js';
import { presenceRegistry } from '../registry.js';

const [kind, url, nodeId, namespace, timingsJson] = process.argv.slice(2) as string[];
const timings = JSON.parse(timingsJson ?? '{}') as PresenceOptions;
const transport =
  kind === 'redis'
    ? redisTransport({
        url: url as string,
        prefix: `${namespace}:`,
        heartbeatMs: 500,
        heartbeatTimeoutMs: 5000,
      })
    : postgresTransport({
        connectionString: url as string,
        prefix: namespace as string,
        heartbeatMs: 500,
        heartbeatTimeoutMs: 5000,
      });
const bus = createBus({
  registry: presenceRegistry,
  keys: testKeys(),
  nodeId: nodeId as string,
  transport,
  presence: timings,
  instrumentation: false,
});
const TOPIC = 'room:lobby';
const out = (value: object): void => {
  process.stdout.write(`${JSON.stringify({ node: nodeId, at: Date.now(), ...value })}\n`);
};

await bus.start();
// The listing as a client would hold it: built from the events alone, like Phoenix's syncDiff.
const held = new Map<string, Map<string, string>>();
const apply = (entries: object, sign: 1 | -1): void => {
  for (const [key, entry] of Object.entries(entries) as [
    string,
    { metas: { ref: string; node: string; meta: { name: string } }[] },
  ][]) {
    const metas = held.get(key) ?? new Map<string, string>();
    for (const m of entry.metas) {
      if (sign === 1) metas.set(m.ref, `${m.node}/${key}/${m.meta.name}`);
      else metas.delete(m.ref);
    }
    if (metas.size > 0) held.set(key, metas);
    else held.delete(key);
  }
};
await bus.presence.subscribe(TOPIC, (event) => {
  const keysOf = (l: object) => Object.keys(l).sort();
  if (event.event === 'presence_state') {
    held.clear();
    apply(event.payload, 1);
  } else {
    apply(event.payload.leaves, -1);
    apply(event.payload.joins, 1);
  }
  const lines = [...held.values()].flatMap((metas) => [...metas.values()]).sort();
  out(
    event.event === 'presence_state'
      ? { t: 'event', kind: 'state', joins: keysOf(event.payload), leaves: [], lines }
      : {
          t: 'event',
          kind: 'diff',
          joins: keysOf(event.payload.joins),
          leaves: keysOf(event.payload.leaves),
          lines,
        },
  );
});
out({ t: 'ready', epoch: bus.presence.stats().epoch });

for await (const text of createInterface({ input: process.stdin })) {
  const command = JSON.parse(text) as { cmd: string; key?: string; name?: string };
  if (command.cmd === 'track') {
    await bus.presence.track(TOPIC, command.key as string, { name: command.name as string });
    out({ t: 'ok', cmd: 'track', key: command.key });
  } else if (command.cmd === 'update') {
    const ref = await bus.presence.update(TOPIC, command.key as string, {
      name: command.name as string,
    });
    out({ t: 'ok', cmd: 'update', key: command.key, ref });
  } else if (command.cmd === 'untrack') {
    const was = await bus.presence.untrack(TOPIC, command.key as string);
    out({ t: 'ok', cmd: 'untrack', key: command.key, was });
  } else if (command.cmd === 'stats') {
    out({ t: 'stats', presence: bus.presence.stats(), bus: bus.stats() });
  } else if (command.cmd === 'stop') {
    await bus.stop();
    out({ t: 'stopped' });
    process.exit(0);
  }
}
