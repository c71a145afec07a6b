/**
 * The README's quick start runs verbatim: the block after the `quickstart` marker is written into
 * the package (so `import ... from 'herald'` resolves to this package's build through its exports
 * map), run with Node, and its output compared with the README's `text` block below it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('runs the quick start verbatim and prints what it says', () => {
    const marker = readme.indexOf('<!-- quickstart');
    expect(marker).toBeGreaterThan(0);
    const rest = readme.slice(marker);
    const code = /```ts\n([\s\S]*?)```/.exec(rest)?.[1];
    const output = /Output:\s*```text\n([\s\S]*?)```/.exec(rest)?.[1];
    expect(code).toBeTruthy();
    expect(output).toBeTruthy();
    expect(existsSync(join(root, 'dist', 'src', 'index.js')), 'run `npm run build` first').toBe(
      true,
    );
    mkdirSync(join(root, '.tmp'), { recursive: true });
    const file = join(root, '.tmp', 'readme-quickstart.ts');
    writeFileSync(file, code!);
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(stdout).toBe(output);
  });

  it('links only to documentation pages that exist', () => {
    const links = [...readme.matchAll(/\]\((docs\/[^)#]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    for (const link of new Set(links)) expect(existsSync(join(root, link)), link).toBe(true);
  });
});
