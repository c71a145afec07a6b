/**
 * Private Redis servers for fault tests: `startRedisServer()` runs `redis-server` (from PATH) on a
 * free loopback port in a temp dir, with persistence off, and hands back stop / kill / restart on
 * the same port. `startRedisCluster(3)` builds a real Redis Cluster of masters on loopback.
 * Nothing here ever touches the shared server on 6379.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assertPrivatePort, freePort, freePortPair, sleep } from './ports.js';
import { shellQuote, watchdog } from './watchdog.js';

const run = promisify(execFile);

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on (never 6379). @default a free port */
  readonly port?: number;
  /** Extra `redis-server` arguments, e.g. `['--requirepass', 'x']`. */
  readonly args?: readonly string[];
  /** How long to wait for PING after a start. @default 10000 */
  readonly startTimeoutMs?: number;
}

/** A running private Redis server. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The server's temp dir (removed by `stop()`). */
  readonly dir: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL: a crash) and waits for the exit. Keeps the temp dir. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (after `kill`, or stops it first), waits for PING. */
  restart(): Promise<void>;
}

const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test run must not leave servers behind.
  process.once('exit', () => {
    for (const [child, dir] of live) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Resolves true when a Redis on `port` answers PING with PONG within `timeoutMs`. */
export function pingRedis(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
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

/** Starts a private `redis-server` on loopback and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  installExitHook();
  const port = options.port ?? (await freePort());
  assertPrivatePort(port, 'startRedisServer');
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    let output = '';
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.set(proc, dir);
    const cancelWatchdog = proc.pid
      ? watchdog(`kill -9 ${proc.pid} 2>/dev/null; rm -rf ${shellQuote(dir)}`)
      : () => undefined;
    proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    proc.once('exit', () => {
      live.delete(proc);
      cancelWatchdog();
    });
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
      if (failed) {
        throw new Error(
          `startRedisServer: cannot run redis-server (${failed.message}); is it on PATH?`,
        );
      }
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `startRedisServer: redis-server on port ${port} exited (${proc.exitCode ?? proc.signalCode}):\n${output}`,
        );
      }
      if (await pingRedis(port, 500)) return;
      await sleep(50);
    }
    proc.kill('SIGKILL');
    throw new Error(`startRedisServer: no PONG on port ${port} after ${timeoutMs} ms:\n${output}`);
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
    url: `redis://127.0.0.1:${port}`,
    dir,
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
      if (stopped) throw new Error('startRedisServer: restart() after stop()');
      await kill('SIGTERM');
      await launch();
    },
  };
}

/** A running private Redis Cluster. */
export interface RedisCluster {
  /** One server per master, each with its own port. */
  readonly nodes: readonly RedisServer[];
  /** `{ host, port }` of every node, as ioredis's `Cluster` takes them. */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** Stops every node and removes their temp dirs. */
  stop(): Promise<void>;
}

async function clusterState(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    'CLUSTER',
    'INFO',
  ]);
  return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
}

/**
 * Starts `masters` (>= 3) Redis servers with `--cluster-enabled yes`, joins them with
 * `redis-cli --cluster create`, and waits until every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3, timeoutMs = 30_000): Promise<RedisCluster> {
  if (masters < 3) throw new Error('startRedisCluster: Redis Cluster needs at least 3 masters');
  const nodes: RedisServer[] = [];
  const taken = new Set<number>();
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      // The cluster bus listens on port + 10000, so both must be free.
      const port = await freePortPair(10_000, taken);
      taken.add(port);
      taken.add(port + 10_000);
      nodes.push(
        await startRedisServer({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '3000',
          ],
        }),
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: timeoutMs },
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(nodes.map((n) => clusterState(n.port)));
      if (states.every((s) => s === 'ok')) break;
      if (Date.now() > deadline) {
        throw new Error(
          `startRedisCluster: cluster_state is ${states.join(', ')} after ${timeoutMs} ms`,
        );
      }
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    stop,
  };
}
