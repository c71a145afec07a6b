/**
 * One demo instance as a process (the launcher starts three): its settings come from the
 * environment (settings.ts; keys from `HERALD_KEYS`, the transport from `HERALD_TRANSPORT` and
 * `REDIS_URL` / `DATABASE_URL`). It prints `<node> ready <url>` once it serves, and stops its
 * bus gracefully on SIGINT or SIGTERM, or when its parent goes away (stdin closes), then exits 0.
 */
import { keysFromEnv } from '../../src/index.js';
import { startInstance } from './server/instance.js';
import { startTracing } from './server/tracing.js';
import { identityFromEnv, prefixOptions, timingsFromEnv } from './settings.js';

const identity = identityFromEnv(process.env);
const stopTracing = await startTracing(`herald-web-demo.${identity.nodeId}`);
const instance = await startInstance({
  nodeId: identity.nodeId,
  port: identity.port,
  keys: keysFromEnv(),
  // 'auto' honours HERALD_TRANSPORT, which the launcher sets to the transport it picked.
  transport: () => 'auto',
  transportOptions: { connectTimeoutMs: 2000, ...prefixOptions(identity.prefix) },
  timings: timingsFromEnv(process.env),
});
console.log(`${instance.nodeId} ready ${instance.url}`);

let stopping = false;
const stop = (why: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${instance.nodeId} stopping (${why})`);
  instance
    .stop()
    .then(stopTracing)
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.stdin.on('end', () => stop('parent gone'));
process.stdin.resume();
