/**
 * One process of the broadcaster's three-process test, run as
 * `node --import tsx cluster.child.ts <redis|postgres> <url> <nodeId> <namespace> <role> <json>`.
 *
 * - role `node`: a bus on the catalogue with the operations broadcaster (intervals and presence
 *   periods from the JSON settings); prints `ready` once started.
 * - role `dashboard`: a bus without broadcaster or presence, subscribed to the template
 *   `health:node:{node}` and to `health:cluster`; prints `health` (the node, from the template's
 *   parameter) and `cluster` (reporter, nodes up, nodes lost) lines as they arrive.
 *
 * Every line is JSON with this process's `at` (Date.now(), one clock on one machine). `stop` on
 * stdin stops the bus gracefully and exits.
 */
import { createInterface } from 'node:readline';
import { postgresTransport } from '../../src/adapters/postgres/index.js';
import { redisTransport } from '../../src/adapters/redis/index.js';
import { catalog } from '../../src/catalog/index.js';
import { createBus, type PresenceOptions } from '../../src/index.js';
import { operations } from '../../src/ops/index.js';
import { testKeys } from '../../src/testing/keys.js';

const [kind, url, nodeId, namespace, role, json] = process.argv.slice(2) as string[];
const settings = JSON.parse(json ?? '{}') as {
  healthIntervalMs: number;
  presence: PresenceOptions;
};
const out = (value: object): void => {
  process.stdout.write(`${JSON.stringify({ node: nodeId, at: Date.now(), ...value })}\n`);
};
const transport =
  kind === 'redis'
    ? redisTransport({ url: url as string, prefix: `${namespace}:` })
    : postgresTransport({ connectionString: url as string, prefix: namespace as string });
const ops =
  role === 'node'
    ? operations({ healthIntervalMs: settings.healthIntervalMs, metricsIntervalMs: 60_000 })
    : undefined;
const bus = createBus({
  registry: catalog,
  keys: testKeys(),
  nodeId: nodeId as string,
  transport,
  presence: role === 'node' ? settings.presence : false,
  features: ops ? [ops] : [],
  instrumentation: false,
});

if (role === 'dashboard') {
  await bus.subscribe('health:node:{node}', (m) => {
    out({ t: 'health', of: m.params.node, status: m.payload.status });
  });
  await bus.subscribe('health:cluster', (m) => {
    const lost = m.payload.lost ?? [];
    const up = (m.payload.nodes ?? []).map((n) => n.node).filter((n) => !lost.includes(n));
    out({ t: 'cluster', reporter: m.meta.node, up, lost });
  });
}
await bus.start();
out({ t: 'ready' });

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stop') break;
}
await bus.stop();
out({ t: 'stopped' });
process.exit(0);
