/**
 * The chat-room example (examples/chat-room/main.ts) runs, on the in-process transport, and
 * prints what docs/presence.md and docs/helpers.md say it prints; the excerpts of it those docs
 * show are still verbatim copies of it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../examples/chat-room/main.ts', import.meta.url));
const EXCERPT = '// examples/chat-room/main.ts (excerpt)';

/** The `ts` blocks of a doc that start with EXCERPT, as their runs of lines between `// …`. */
function excerpts(doc: string): string[][] {
  const text = readFileSync(fileURLToPath(new URL(`../../${doc}`, import.meta.url)), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => (m[1] as string).split('\n'))
    .filter((lines) => lines[0] === EXCERPT)
    .map((lines) =>
      lines
        .slice(1)
        .join('\n')
        .split(/^\/\/ …$/m)
        .map((run) => run.replace(/^\n+|\n+$/g, '')),
    );
}

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

  it('is shown verbatim in docs/presence.md and docs/helpers.md', () => {
    const source = readFileSync(main, 'utf8');
    for (const doc of ['docs/presence.md', 'docs/helpers.md']) {
      const found = excerpts(doc);
      expect(found.length, doc).toBeGreaterThan(0);
      for (const run of found.flat()) {
        expect(run.length, doc).toBeGreaterThan(0);
        expect(source.includes(run), `${doc}: not in the example:\n${run}`).toBe(true);
      }
    }
    // The excerpts show the throttled typing, the listing and broadcastFrom.
    const shown = excerpts('docs/presence.md').flat().join('\n');
    for (const part of ['throttle: { ms: 300 }', 'presence.list(room', 'publishFrom(aliceWeb']) {
      expect(shown).toContain(part);
    }
  });
});
