/**
 * The chat-room example (examples/chat-room/main.ts) runs, on the in-process transport, and
 * prints what docs/presence.md and docs/helpers.md say it prints.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../examples/chat-room/main.ts', import.meta.url));

describe('the chat-room example', () => {
  it('shows presence diffs, a fetched listing, throttled typing and broadcastFrom', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, HERALD_TRANSPORT: 'local' },
      timeout: 30_000,
    });
    expect(stdout).toContain('over the "local" transport');
    expect(stdout).toContain('eu diff    +Bob Dylan (web)');
    expect(stdout).toContain('us lists   Alice Liddell (alice): web@eu, phone@eu');
    expect(stdout).toContain("alice's web tab (the sender) saw 0 of them; her phone saw 11");
    expect(stdout).toMatch(/bob's indicator: 11 typing events, [3-6] redraws, [5-8] coalesced/);
    expect(stdout).toContain('eu diff    -Alice Liddell (phone)');
    expect(stdout).toContain('eu diff    -Bob Dylan (web)');
    expect(stdout).toContain('eu lists   Alice Liddell (1 connection)');
  }, 40_000);
});
