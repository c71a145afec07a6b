/**
 * `npm run demo`: three instances of a small web app, each serving the same page, kept in sync
 * by Herald. On Redis (else PostgreSQL) they are three processes; with neither server, three
 * buses in this process on an in-process hub. Prints their URLs; Ctrl-C stops everything (each
 * instance stops its bus gracefully) and exits 0.
 *
 * Ports 3001-3003 when free, else free ones. The settings of settings.ts apply (e.g.
 * `HERALD_DEMO_DOWN_AFTER_MS`); `HERALD_KEYS` is used when set, else a fresh key is made.
 */
import { randomBytes } from 'node:crypto';
import { createLocalHub, keysFromEnv } from '../../src/index.js';
import { type InstanceProcess, launchInstances, stopInstances } from './launch.js';
import { type Instance, startInstance } from './server/instance.js';
import { startTracing } from './server/tracing.js';
import { identityFromEnv, timingsFromEnv } from './settings.js';
import { pickTransport } from './transport.js';

const NODES = ['web-1', 'web-2', 'web-3'];
const PORTS = [3001, 3002, 3003];

const keysText =
  process.env.HERALD_KEYS?.trim() || `demo-1=base64url:${randomBytes(32).toString('base64url')}`;
const timings = timingsFromEnv(process.env);
const transport = await pickTransport();

/** Starts the three instances; resolves their URLs and how to stop them. */
async function start(): Promise<{ lines: string[]; stop: () => Promise<void> }> {
  if (transport === 'local') {
    const stopTracing = await startTracing('herald-web-demo');
    const hub = createLocalHub();
    const keys = keysFromEnv('HERALD_KEYS', { HERALD_KEYS: keysText });
    const instances: Instance[] = [];
    for (const [i, nodeId] of NODES.entries()) {
      instances.push(
        await startInstance({
          nodeId,
          port: PORTS[i] ?? 0,
          keys,
          transport: () => hub.transport(),
          transportOptions: {},
          timings,
        }),
      );
    }
    return {
      lines: instances.map((instance) => `${instance.nodeId}  ${instance.url}`),
      stop: async () => {
        await Promise.all(instances.map((instance) => instance.stop()));
        await stopTracing();
      },
    };
  }
  const children: InstanceProcess[] = await launchInstances({
    nodeIds: NODES,
    ports: PORTS,
    env: { HERALD_KEYS: keysText, HERALD_TRANSPORT: transport },
  });
  for (const child of children) {
    child.exited.then((code) => {
      if (!stopping) console.log(`${child.nodeId} (pid ${child.proc.pid}) exited (${code})`);
    });
  }
  return {
    lines: children.map((child) => `${child.nodeId}  ${child.url}  (pid ${child.proc.pid})`),
    stop: () => stopInstances(children),
  };
}

let stopping = false;
const running = await start();
const where =
  transport === 'local'
    ? 'three buses in this process on an in-process hub (no Redis or PostgreSQL)'
    : `three processes on ${transport} (namespace "${identityFromEnv(process.env).prefix}")`;
console.log(`\nHerald web demo: ${where}\n`);
for (const line of running.lines) console.log(`  ${line}`);
console.log('\nOpen two of them side by side. Ctrl-C stops the demo.');
if (transport !== 'local') {
  console.log('Kill one (kill -9 <pid>): the others show it gone from presence, then lost.');
}
console.log('');

const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the instances…`);
  running.stop().then(
    () => {
      console.log('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
