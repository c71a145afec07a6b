/**
 * Writes the CommonJS face of the package (run by `npm run build`, after tsc).
 *
 * Herald is ESM. A CommonJS app still uses it on Node >= 20.19, which loads ES modules through
 * `require` unflagged; this script makes that typed and explicit:
 *
 * - every declaration file `dist/X.d.ts` is copied to `dist/cjs/X.d.cts`, its relative imports
 *   renamed to `.cjs`, so that TypeScript reads Herald's types as CommonJS in a CommonJS project
 *   (`module: node16`/`nodenext`: no TS1479) and resolves the packages they import (TypeBox) the
 *   way that project does: one copy of TypeBox's types, not its ESM and its CommonJS build;
 * - for every subpath whose `exports` entry has a `require` condition, `dist/cjs/X.cjs` is one
 *   line that requires the ESM entry point, so a CommonJS app and an ESM app share one instance
 *   of each module (no dual-package hazard).
 *
 * The `require` paths in package.json must be the ones this script derives; it fails otherwise.
 * Usage: node scripts/cjs-entries.mjs [package directory]
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package directory: the argument (a staging copy, for test/package), else this repository.
const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const relativeImport = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.js(['"])/g;

let declarations = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const from = join(entry.parentPath, entry.name);
  const rel = relative(dist, from);
  if (rel.startsWith(`cjs${'/'}`)) continue;
  const to = join(dist, 'cjs', rel.replace(/\.d\.ts$/, '.d.cts'));
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, readFileSync(from, 'utf8').replace(relativeImport, '$1$2.cjs$3'));
  declarations += 1;
}
if (declarations === 0) throw new Error('no declaration files under dist/: run tsc first');

let entries = 0;
for (const [subpath, entry] of Object.entries(pkg.exports)) {
  if (typeof entry !== 'object' || entry.require === undefined) continue;
  const types = entry.types.replace(/^\.\/dist\//, './dist/cjs/').replace(/\.d\.ts$/, '.d.cts');
  const js = types.replace(/\.d\.cts$/, '.cjs');
  if (entry.require.types !== types || entry.require.default !== js) {
    throw new Error(
      `package.json exports["${subpath}"].require must be { "types": "${types}", "default": "${js}" }`,
    );
  }
  const file = join(root, js);
  const target = relative(dirname(file), join(root, entry.default)).split('\\').join('/');
  writeFileSync(
    file,
    `// CommonJS entry of herald${subpath.slice(1)}: the ES module itself, through require (Node >= 20.19).\n` +
      `module.exports = require('${target.startsWith('.') ? target : `./${target}`}');\n`,
  );
  entries += 1;
}
if (entries === 0) throw new Error('no exports entry has a require condition');
