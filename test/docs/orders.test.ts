/**
 * The README's "Two processes" section stays true: examples/orders' consumer and publisher run as
 * two Node processes against the real Redis (REDIS_URL, else 127.0.0.1:6379), and the consumer
 * prints exactly the README's output block. A publisher with another key reaches no handler, and
 * the consumer says why on stderr.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const run = promisify(execFile);
const newKeys = () => `orders-1=base64url:${randomBytes(32).toString('base64url')}`;

/** The README's section: the commands, and the consumer output it promises. */
function section() {
  const start = readme.indexOf('<!-- two-processes');
  const rest = readme.slice(start, readme.indexOf('\n## ', start));
  const commands = /```sh\n([\s\S]*?)```/.exec(rest)?.[1] ?? '';
  const [output = '', rejection = ''] = [...rest.matchAll(/```text\n([\s\S]*?)```/g)].map(
    (m) => m[1],
  );
  return { commands, output, rejection };
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let consumer: ChildProcess | undefined;
afterEach(() => {
  if (consumer?.exitCode === null) consumer.kill('SIGKILL');
});

describe('README: two processes on Redis', () => {
  it('runs the example as written and prints what the README shows', async () => {
    const { commands, output, rejection: promised } = section();
    expect(commands).toContain('npx tsx examples/orders/consumer.ts');
    expect(commands).toContain('npx tsx examples/orders/publisher.ts');
    expect(commands).toContain('export HERALD_KEYS=');
    // The README's own command generates the key.
    const generate = /\$\((node -e "[^"]*")\)/.exec(commands)?.[1];
    expect(generate).toBeTruthy();
    const { stdout: secret } = await run('sh', ['-c', generate!], { encoding: 'utf8' });
    expect(secret.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const env = {
      ...process.env,
      HERALD_KEYS: `orders-1=base64url:${secret.trim()}`,
      // A channel prefix of its own: the Redis server is shared with other tests.
      HERALD_PREFIX: `orders-example-${process.pid}-${Date.now()}:`,
    };

    consumer = spawn(process.execPath, ['--import', 'tsx', 'examples/orders/consumer.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    consumer.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
    consumer.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => consumer!.once('exit', resolve));
    await until('the consumer to listen', () => stdout.includes('listening'));

    const published = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/orders/publisher.ts'],
      { cwd: root, env, encoding: 'utf8' },
    );
    expect(published.stdout).toBe(
      [
        'published created on orders:eu over redis',
        'published created on orders:eu over redis',
        'published shipped on orders:eu over redis',
        '',
      ].join('\n'),
    );
    await until('three orders', () => stdout.includes('shipped with DHL'));

    // Another key: verified and refused in the consumer, reported on its stderr.
    await run(process.execPath, ['--import', 'tsx', 'examples/orders/publisher.ts'], {
      cwd: root,
      env: { ...env, HERALD_KEYS: newKeys() },
      encoding: 'utf8',
    });
    await until('the rejection on stderr', () => stderr.includes('bad_signature'));

    consumer.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toBe(output);
    const rejection = stderr.split('\n').find((l) => l.startsWith('herald: rejected'));
    expect(rejection).toMatch(
      /^herald: rejected a message on "orders:eu" \(bad_signature from node "orders-\d+"\): signature with key "orders-1" does not verify\. Fix: every node must hold the same secret/,
    );
    // The README's stderr line is the same sentence, with another process id.
    expect(`${rejection!.replace(/orders-\d+/, 'orders-N')}\n`).toBe(
      promised.replace(/orders-\d+/, 'orders-N'),
    );
  }, 90_000);
});
