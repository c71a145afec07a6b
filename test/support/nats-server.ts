/**
 * NATS for tests. `requireNats()` finds the machine's server (`NATS_URL`, else
 * nats://127.0.0.1:4222), else starts a private one; with `CI=true` it throws when neither works.
 * `startNatsServer()` runs a private `nats-server` (from PATH or /usr/sbin) on loopback ports of
 * this project's NATS range (21400-21599), with JetStream in a temp dir and an HTTP monitoring
 * port (`/subsz` lists server-side subscriptions), and hands back stop / kill / restart on the
 * same ports. `startNatsCluster(3)` routes three of them into one cluster. Nothing here ever
 * touches the shared server on 4222.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { assertPrivatePort, isPortFree, sleep } from './ports.js';
import { inCI } from './services.js';
import { shellQuote, watchdog } from './watchdog.js';

/** A running private NATS server. */
export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** HTTP monitoring port (`/varz`, `/subsz?subs=1`, `/jsz`). */
  readonly monitorPort: number;
  /** Cluster (route) port, when started in a cluster. */
  readonly clusterPort: number | undefined;
  readonly running: boolean;
  /** Stops it (SIGTERM, then SIGKILL) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL: a crash) and waits for the exit. Keeps its JetStream dir. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports with the same store. */
  restart(): Promise<void>;
  /** Subjects with a server-side subscription (from `/subsz?subs=1`). */
  subjects(): Promise<string[]>;
}

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  readonly port?: number;
  /** Cluster: this node's route port and the route ports of its peers. */
  readonly cluster?: { readonly name: string; readonly port: number; readonly routes: number[] };
  readonly args?: readonly string[];
}

const BINARY = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
const RANGE = { from: 21400, to: 21599 } as const;
const taken = new Set<number>();

/** A free port of this project's NATS range, never handed out twice in one process. */
export async function natsPort(): Promise<number> {
  const span = RANGE.to - RANGE.from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = RANGE.from + ((start + i) % span);
    if (taken.has(port)) continue;
    if (await isPortFree(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`natsPort: no free port in ${RANGE.from}-${RANGE.to}`);
}

/** Resolves true when a NATS server on `port` sends its INFO line within `timeoutMs`. */
export function pingNats(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let reply = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('INFO '));
    });
    socket.on('error', () => done(false));
  });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts a private nats-server with JetStream on loopback and waits until it answers. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = options.port ?? (await natsPort());
  const monitorPort = await natsPort();
  assertPrivatePort(port, 'startNatsServer');
  const dir = mkdtempSync(join(tmpdir(), 'herald-nats-'));
  const cluster = options.cluster;
  const args = [
    ...['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', dir],
    ...(cluster
      ? [
          ...['--cluster_name', cluster.name, '--cluster', `nats://127.0.0.1:${cluster.port}`],
          ...['--routes', cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(',')],
          ...['-n', `herald-${port}`],
        ]
      : []),
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    let output = '';
    const proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const cancel = proc.pid
      ? watchdog(`kill -9 ${proc.pid} 2>/dev/null; rm -rf ${shellQuote(dir)}`)
      : () => undefined;
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('exit', cancel);
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
      if (failed) throw new Error(`startNatsServer: cannot run nats-server (${failed.message})`);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`startNatsServer: nats-server on ${port} exited:\n${output}`);
      }
      if (await pingNats(port, '127.0.0.1', 500)) return;
      await sleep(50);
    }
    proc.kill('SIGKILL');
    throw new Error(`startNatsServer: no INFO on port ${port} after 10 s:\n${output}`);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    if (!(await waitExit(proc, 5000))) {
      proc.kill('SIGKILL');
      await waitExit(proc, 5000);
    }
  };

  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    monitorPort,
    clusterPort: cluster?.port,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill,
    async restart() {
      if (stopped) throw new Error('startNatsServer: restart() after stop()');
      await kill('SIGTERM');
      await launch();
    },
    async subjects() {
      const res = await fetch(`http://127.0.0.1:${monitorPort}/subsz?subs=1&limit=100000`);
      const body = (await res.json()) as { subscriptions_list?: { subject: string }[] };
      return (body.subscriptions_list ?? []).map((s) => s.subject);
    },
  };
}

/** A private cluster of `size` routed nats-servers with JetStream. */
export async function startNatsCluster(size: number): Promise<NatsServer[]> {
  const routes: number[] = [];
  for (let i = 0; i < size; i++) routes.push(await natsPort());
  const name = `herald-${process.pid}`;
  return Promise.all(
    routes.map((port) =>
      startNatsServer({ cluster: { name, port, routes: routes.filter((p) => p !== port) } }),
    ),
  );
}

/** The outcome of {@link requireNats}. */
export type NatsCheck =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly reason: string };

/**
 * NATS for this test file: `NATS_URL`, else nats://127.0.0.1:4222, else a private server
 * (stopped after the file); skips (loudly) when none works, or throws with `CI=true`.
 */
export async function requireNats(): Promise<NatsCheck> {
  const url = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const parsed = new URL(url);
  if (await pingNats(Number(parsed.port || 4222), parsed.hostname, 1500)) return { ok: true, url };
  try {
    const server = await startNatsServer();
    afterAll(() => server.stop());
    console.warn(`[services] NATS: ${url} did not answer; using private ${server.url}`);
    return { ok: true, url: server.url };
  } catch (error) {
    const reason = `${url} did not answer and a private nats-server could not start (${String(error)})`;
    if (inCI()) throw new Error(`CI=true, so this test fails instead of skipping: NATS: ${reason}`);
    console.warn(`\n!! SKIPPING NATS tests: ${reason}\n`);
    return { ok: false, reason };
  }
}
