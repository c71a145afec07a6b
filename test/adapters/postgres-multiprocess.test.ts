/**
 * Separate Node processes exchanging signed messages over PostgreSQL: two honest nodes (each
 * publishes numbered notes, one of them through the claim check, and one direct message to the
 * other) and a forger that signs with the right key id but the wrong secret. Each honest node
 * must receive the other's notes in order, verified with key `test`, and refuse every forgery.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { newRunId } from '../../src/testing/registry.js';
import { requirePostgres } from '../support/services.js';

const service = await requirePostgres();
const child = fileURLToPath(new URL('./postgres-multiprocess.child.ts', import.meta.url));
const COUNT = 25;

interface Report {
  node: string;
  notes: { n: number; node: string; kid: string; local: boolean; sha: string }[];
  direct: { n: number; node: string }[];
  rejected: string[];
}

/** Spawns one node; resolves `ready` on its first line and `report` on its JSON line. */
function node(args: string[]) {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  proc.stderr?.on('data', (d: Buffer) => void (err += d.toString()));
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) onReady();
  });
  const report = new Promise<Report>((resolve, reject) => {
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line) as Report);
      else reject(new Error(`node ${args[0]} exited with ${code}:\n${out}\n${err}`));
    });
  });
  return { proc, ready, report, go: () => proc.stdin?.write('go\n') };
}

describe.skipIf(!service.ok)('postgres transport across processes', () => {
  const procs: ChildProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('lets two Node processes exchange signed messages and refuse a forger’s', async () => {
    const run = newRunId();
    const prefix = `hmp_${run}`;
    const common = [service.url, prefix, run, String(COUNT)];
    const alice = node(['alice', 'bob', ...common]);
    const bob = node(['bob', 'alice', ...common]);
    const mallory = node(['mallory', 'alice', ...common, 'forge']);
    procs.push(alice.proc, bob.proc, mallory.proc);
    await Promise.all([alice.ready, bob.ready, mallory.ready]);
    for (const n of [alice, bob, mallory]) n.go();
    const [a, b] = await Promise.all([alice.report, bob.report, mallory.report]);
    const expected = (from: string) =>
      Array.from({ length: COUNT }, (_, n) => {
        const text = n === 3 ? `big:${'B'.repeat(20_000)}` : `note ${n} from ${from}`;
        return { n, sha: createHash('sha256').update(text).digest('hex') };
      });
    for (const [report, peer] of [
      [a, 'bob'],
      [b, 'alice'],
    ] as const) {
      const fromPeer = report.notes.filter((e) => e.node === peer);
      expect(fromPeer.map(({ n, sha }) => ({ n, sha }))).toEqual(expected(peer));
      expect(fromPeer.every((e) => e.kid === 'test' && !e.local)).toBe(true);
      expect(report.notes.some((e) => e.node === 'mallory')).toBe(false);
    }
    expect(a.direct).toEqual([{ n: 999, node: 'bob' }]);
    // Mallory's direct message went to alice only, and was refused there like the rest.
    expect(b.direct).toEqual([{ n: 999, node: 'alice' }]);
    // Every forgery is refused for its signature: COUNT notes each, plus the direct one to alice.
    expect(a.rejected).toEqual(Array(COUNT + 1).fill('bad_signature'));
    expect(b.rejected).toEqual(Array(COUNT).fill('bad_signature'));
  }, 60_000);
});
