/**
 * `npm run demo:terminal` (the terminal demo) stays true: the example runs on the in-process
 * transport (as on a machine with no servers) and tells the story it claims — one message
 * accepted, four attacks rejected by reason.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

it('runs the demo with no server and shows each forgery rejected by reason', () => {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'examples/chat/main.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, HERALD_TRANSPORT: 'local' },
  });
  expect(stdout).toContain('two nodes on the "local" transport');
  expect(stdout).toContain('bob      ← alice: "hello bob"');
  expect(stdout).toContain('INVALID_PAYLOAD on room:lobby field /text');
  for (const reason of ['replay', 'bad_signature', 'unknown_key', 'invalid_payload']) {
    expect(stdout).toContain(`rejected a message on room:lobby: ${reason}`);
  }
  expect(stdout).toMatch(/bob accepted 1, rejected 4 \(.*\)/);
}, 60_000);
