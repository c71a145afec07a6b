/**
 * Private PostgreSQL clusters for fault tests: `startPostgresServer()` runs `initdb` and `pg_ctl`
 * from the machine's binaries (`PG_BIN`, else the newest /usr/lib/postgresql/<ver>/bin, else
 * PATH) in a temp dir, with trust auth, listening on 127.0.0.1 on a free port, and hands back
 * stop / restart / pause on the same port. Never touches the shared server on 5432.
 *
 * PostgreSQL refuses to run as root. When the tests run as root (CI containers), the temp dir is
 * given to the `postgres` OS user and every binary runs through `runuser -u postgres --`
 * (or `su postgres -c` where runuser is missing).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { assertPrivatePort, freePort, sleep } from './ports.js';
import { shellQuote, watchdog } from './watchdog.js';

const exec = promisify(execFile);

/** Options of {@link startPostgresServer}. */
export interface PostgresServerOptions {
  /** Port to listen on (never 5432). @default a free port */
  readonly port?: number;
  /** Extra `postgresql.conf` settings, e.g. `{ max_connections: 50 }`. */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** Database created after the first start (the URL points at it). @default 'test' */
  readonly database?: string;
}

/** A running private PostgreSQL cluster. */
export interface PostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  readonly url: string;
  /** The cluster's temp dir (removed by `stop()`). */
  readonly dir: string;
  /** Stops it (`pg_ctl stop -m fast`) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Stops it abruptly (`-m immediate`, no shutdown checkpoint), keeping the data for a restart. */
  kill(): Promise<void>;
  /** Starts it again on the same port (stopping it first when it runs). */
  restart(): Promise<void>;
  /** Stops it for `ms` milliseconds, then starts it again on the same port. */
  pause(ms: number): Promise<void>;
}

/** The directory holding initdb / pg_ctl, or '' to use PATH. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return '';
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] ? join(root, versions[0], 'bin') : '';
}

const isRoot = (): boolean => process.getuid?.() === 0;

function hasRunuser(): boolean {
  return spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status === 0;
}

/** The command line that runs `bin args` as the postgres OS user when we are root. */
function asPostgres(bin: string, args: readonly string[]): [string, string[]] {
  if (!isRoot()) return [bin, [...args]];
  if (hasRunuser()) return ['runuser', ['-u', 'postgres', '--', bin, ...args]];
  const quoted = [bin, ...args].map(shellQuote).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

const live = new Map<string, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test run must not leave clusters behind: stop them synchronously on exit.
  process.once('exit', () => {
    for (const [data, pgCtl] of live) {
      const [cmd, args] = asPostgres(pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w']);
      spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
      rmSync(dirname(data), { recursive: true, force: true });
    }
  });
}

/** Starts a private PostgreSQL cluster on loopback and waits until it accepts connections. */
export async function startPostgresServer(
  options: PostgresServerOptions = {},
): Promise<PostgresServer> {
  installExitHook();
  const port = options.port ?? (await freePort());
  assertPrivatePort(port, 'startPostgresServer');
  const binDir = postgresBinDir();
  const bin = (name: string): string => (binDir ? join(binDir, name) : name);
  const database = options.database ?? 'test';
  const dir = mkdtempSync(join(tmpdir(), 'herald-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    if (!Number.isInteger(uid) || uid === 0) {
      throw new Error('startPostgresServer: running as root and no `postgres` OS user exists');
    }
    chownSync(dir, uid, gid);
  }
  const runPg = async (name: string, args: readonly string[], timeoutMs = 60_000) => {
    const [cmd, argv] = asPostgres(bin(name), args);
    try {
      return await exec(cmd, argv, { cwd: dir, timeout: timeoutMs });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      const tail = existsSync(log) ? spawnSync('tail', ['-n', '20', log]).stdout?.toString() : '';
      throw new Error(
        `startPostgresServer: ${name} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}${tail ?? ''}`,
      );
    }
  };

  const [stopCmd, stopArgs] = asPostgres(bin('pg_ctl'), ['stop', '-D', data, '-m', 'immediate']);
  const cancelWatchdog = watchdog(
    `${[stopCmd, ...stopArgs].map(shellQuote).join(' ')} >/dev/null 2>&1; rm -rf ${shellQuote(dir)}`,
  );
  const start = async (): Promise<void> => {
    await runPg('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60']);
    live.set(data, bin('pg_ctl'));
  };
  const stopMode = async (mode: 'fast' | 'immediate'): Promise<void> => {
    if (!live.has(data)) return;
    await runPg('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '60']);
    live.delete(data);
  };

  try {
    await runPg('initdb', [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const settings: Record<string, string | number> = {
      port,
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${dir}'`,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      ...options.settings,
    };
    // Appending keeps the file owned by postgres; later settings win.
    appendFileSync(
      join(data, 'postgresql.conf'),
      `\n# herald test server\n${Object.entries(settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n')}\n`,
    );
    await start();
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
    });
    await client.connect();
    try {
      if (database !== 'postgres') await client.query(`CREATE DATABASE "${database}"`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await stopMode('immediate').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    cancelWatchdog();
    throw error;
  }

  let stopped = false;
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopMode('fast');
      rmSync(dir, { recursive: true, force: true });
      cancelWatchdog();
    },
    kill: () => stopMode('immediate'),
    async restart() {
      if (stopped) throw new Error('startPostgresServer: restart() after stop()');
      await stopMode('fast');
      await start();
    },
    async pause(ms) {
      if (stopped) throw new Error('startPostgresServer: pause() after stop()');
      await stopMode('fast');
      await sleep(ms);
      await start();
    },
  };
}
