/**
 * Which transport the demo's instances share: the one `'auto'` reaches from this process (Redis,
 * else PostgreSQL, else the in-process transport; `REDIS_URL`, `DATABASE_URL` and
 * `HERALD_TRANSPORT` are honoured as docs/transports/chain.md says). The launcher asks once and
 * hands the answer to every instance by name, so that three processes never end up on two
 * different servers.
 */
import { randomBytes } from 'node:crypto';
import { createBus, TransportName } from '../../src/index.js';
import { registry } from './registry.js';

/** How long each server may take to answer the probe. */
const PROBE_TIMEOUT_MS = 700;

/** The transport every instance will use: a server's name, or `local` when none answered. */
export async function pickTransport(): Promise<TransportName> {
  const probe = createBus({
    registry,
    keys: { keys: [{ kid: 'probe', secret: randomBytes(32) }] },
    nodeId: `web-probe-${process.pid}`,
    transportOptions: { connectTimeoutMs: PROBE_TIMEOUT_MS },
    presence: false,
    log: false,
  });
  await probe.start();
  const name = probe.transport().name;
  await probe.stop();
  const known = Object.values(TransportName).find((candidate) => candidate === name);
  if (known === undefined) throw new Error(`the demo cannot hand transport "${name}" to a process`);
  return known;
}
