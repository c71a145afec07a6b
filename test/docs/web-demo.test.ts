/**
 * The README's `npm run demo` stays true (examples/web/main.ts): on Redis, on PostgreSQL, and
 * with no server at all, it starts three instances, prints their URLs, serves the page on each,
 * and on Ctrl-C (SIGINT) stops every instance and exits 0, leaving no process behind; killed
 * outright (SIGKILL), it leaves none behind either.
 * The browser tests (test/browser) check what the page shows.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { requirePostgres, requireRedis } from '../support/services.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const redis = await requireRedis();
const postgres = await requirePostgres();

let demo: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  if (demo?.exitCode === null) demo.kill('SIGKILL');
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends one raw request line and resolves the response's status line. */
function rawStatusLine(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

/** Runs the demo until it printed three URLs; returns its output so far. */
async function startDemo(
  env: Record<string, string>,
): Promise<{ out: () => string; exit: Promise<number | null> }> {
  demo = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples/web/main.ts')], {
    cwd: root,
    env: { ...process.env, HERALD_DEMO_PREFIX: `demo_${randomBytes(4).toString('hex')}`, ...env },
  });
  let out = '';
  demo.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  demo.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => demo?.once('exit', resolve));
  const end = Date.now() + 60_000;
  while (!out.includes('Ctrl-C stops the demo')) {
    if (demo.exitCode !== null || Date.now() > end)
      throw new Error(`the demo did not start:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { out: () => out, exit };
}

/** Checks each printed URL serves the page and names its instance; returns the printed pids. */
async function checkInstances(out: string): Promise<number[]> {
  const rows = [
    ...out.matchAll(/^ {2}(web-\d) {2}(http:\/\/127\.0\.0\.1:\d+\/)(?: {2}\(pid (\d+)\))?$/gm),
  ];
  expect(rows.map((row) => row[1])).toEqual(['web-1', 'web-2', 'web-3']);
  for (const [, node, url] of rows) {
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const state = (await (await fetch(`${url}api/state`)).json()) as { node: string };
    expect(state.node).toBe(node);
  }
  return rows.flatMap((row) => (row[3] === undefined ? [] : [Number(row[3])]));
}

describe('npm run demo (examples/web/main.ts)', () => {
  it.runIf(redis.ok)(
    'on Redis: three processes, their URLs, and a clean stop on Ctrl-C',
    async () => {
      if (!redis.ok) return;
      const { out, exit } = await startDemo({ REDIS_URL: redis.url });
      expect(out()).toContain('three processes on redis');
      const pids = await checkInstances(out());
      expect(pids).toHaveLength(3);
      demo!.kill('SIGINT');
      expect(await exit).toBe(0);
      expect(out()).toContain('stopped');
      expect(pids.filter(alive)).toEqual([]);
    },
    120_000,
  );

  it.runIf(postgres.ok)(
    'on PostgreSQL when Redis is not the transport; a launcher killed outright leaves no instance behind',
    async () => {
      if (!postgres.ok) return;
      const { out, exit } = await startDemo({
        HERALD_TRANSPORT: 'postgres',
        DATABASE_URL: postgres.url,
      });
      expect(out()).toContain('three processes on postgres');
      const pids = await checkInstances(out());
      expect(pids).toHaveLength(3);
      // No chance to clean up: each instance sees its stdin close and stops by itself.
      demo!.kill('SIGKILL');
      await exit;
      const end = Date.now() + 15_000;
      while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(pids.filter(alive)).toEqual([]);
    },
    120_000,
  );

  it('with no server: three buses in one process on an in-process hub', async () => {
    const { out, exit } = await startDemo({ HERALD_TRANSPORT: 'local' });
    expect(out()).toContain('three buses in this process on an in-process hub');
    expect(await checkInstances(out())).toEqual([]);
    // A request target that is no path is a 400, and the instance keeps serving.
    const port = Number(/web-1 {2}http:\/\/127\.0\.0\.1:(\d+)\//.exec(out())?.[1]);
    expect(await rawStatusLine(port, 'GET //: HTTP/1.1')).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`http://127.0.0.1:${port}/api/state`)).status).toBe(200);
    demo!.kill('SIGINT');
    expect(await exit).toBe(0);
  }, 120_000);
});
