/**
 * Loopback port helpers for the servers tests start themselves. Ports of the machine's shared
 * services (6379, 5432) are never handed out, so a fault test can never stop the shared ones.
 */
import { createServer } from 'node:net';

/** Ports that belong to the machine's shared services; private servers never use them. */
export const RESERVED_PORTS: ReadonlySet<number> = new Set([6379, 5432, 16379, 4222]);

/** Resolves true when nothing listens on 127.0.0.1:`port` (we could bind it). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A free loopback port chosen by the OS, never a reserved one. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(chosen));
      });
    });
    if (port > 0 && !RESERVED_PORTS.has(port)) return port;
  }
  throw new Error('freePort: the OS handed out no usable loopback port in 20 attempts');
}

/**
 * A free port `p` such that `p + offset` is free too (Redis Cluster's bus port is port + 10000).
 * Picked at random in 20000-29999 so that `p + offset` stays below 65536.
 */
export async function freePortPair(offset: number, exclude: ReadonlySet<number> = new Set()) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (RESERVED_PORTS.has(port) || RESERVED_PORTS.has(port + offset)) continue;
    if (exclude.has(port) || exclude.has(port + offset)) continue;
    if ((await isPortFree(port)) && (await isPortFree(port + offset))) return port;
  }
  throw new Error(`freePortPair: no free pair (p, p+${offset}) found in 200 attempts`);
}

/** Refuses a shared service's port with a clear message. */
export function assertPrivatePort(port: number, what: string): void {
  if (RESERVED_PORTS.has(port)) {
    throw new Error(
      `${what}: port ${port} belongs to a shared service on this machine; private test servers use other ports`,
    );
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
