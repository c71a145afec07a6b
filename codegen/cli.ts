#!/usr/bin/env node
/**
 * The `herald` command.
 *
 *   herald codegen --registry <module> --out <dir> [--check] [--export <name>] [--herald <spec>]
 *                  [--allow-breaking]
 *   herald schemas check|register|list|show|diff ...   (schemas-cli.ts)
 *   herald keys generate [--kid <id>] [--alg HS256|EdDSA]
 *   herald --help
 *
 * Exit codes: 0 success; 1 failure (stale output under --check, a registry that cannot be loaded
 * or generated); 2 usage error. Errors are one line, with a hint.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { Registry } from '../src/index.js';
import { LOCK_FILE } from './emit/lock.js';
import { CodegenError, CodegenErrorCode } from './errors.js';
import { diffOutput, upToDate, writeOutput } from './files.js';
import { checkAgainstLock, type GateReport } from './gate.js';
import { formatReport } from './gate-report.js';
import { generate, relativeImport } from './index.js';
import { generateEd25519Key, generateKey } from './keys.js';
import { loadRegistry } from './load.js';
import { readLock } from './lock-read.js';
import { SCHEMAS_HELP, schemas } from './schemas-cli.js';

const HELP = `herald: typed, signed event bus tools

Usage:
  herald codegen --registry <module> --out <dir> [options]
      Generate a typed client, precompiled validators, an AsyncAPI document,
      JSON Schemas and a lock file from a registry module.
      --registry <module>  the .ts or .js file that exports defineTopics(...)
      --out <dir>          the output directory (created if missing)
      --check              write nothing; exit 1 and list files that differ
      --export <name>      the export holding the registry (default: the only one)
      --herald <spec>      how generated code imports Herald: a package name
                           (default "herald") or a directory relative to --out
                           holding index.js and internal.js (e.g. ../../../src)
      --allow-breaking     write even when the compatibility gate finds a change
                           that breaks a mode against the existing lock file
      Both modes run the compatibility gate against <dir>/herald.lock.json.

${SCHEMAS_HELP}

  herald keys generate [--kid <id>] [--alg HS256|EdDSA]
      Print a new 32-byte HS256 key as base64url:<key> and as a KeySpec JSON line.
      With --alg EdDSA: a new Ed25519 key pair as two JWK lines, the private JWK
      (signing nodes) then the public JWK (verify-only nodes). See docs/security.md.

  herald --help
      Show this help.

Docs: docs/codegen.md`;

function usage(message: string, hint = 'run herald --help'): CodegenError {
  return new CodegenError(CodegenErrorCode.Usage, message, { hint });
}

/** Runs `parseArgs`, turning its errors into usage errors. */
function parse<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
}

/** The registry path as the banner names it: relative to its package root, `/`-separated. */
function sourceLabel(registryPath: string): string {
  let dir = dirname(registryPath);
  while (!existsSync(resolve(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return relative(dirname(registryPath), registryPath);
    dir = parent;
  }
  return relative(dir, registryPath).split(sep).join('/');
}

async function codegen(args: string[]): Promise<number> {
  const { values } = parse(() =>
    parseArgs({
      args,
      strict: true,
      options: {
        registry: { type: 'string' },
        out: { type: 'string' },
        check: { type: 'boolean' },
        export: { type: 'string' },
        herald: { type: 'string' },
        'allow-breaking': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }),
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const registryArg = values.registry;
  const outArg = values.out?.replace(/(.)\/+$/, '$1');
  if (!registryArg) throw usage('codegen needs --registry <module>');
  if (!outArg) throw usage('codegen needs --out <dir>');
  const loaded = await loadRegistry(registryArg, {
    exportName: values.export,
  });
  const outDir = resolve(outArg);
  const files = generate(loaded.registry, {
    registryImport: relativeImport(outDir, loaded.path),
    registryExport: loaded.exportName,
    herald: values.herald ?? 'herald',
    source: sourceLabel(loaded.path),
  });
  const gate = await gateOutput(outDir, outArg, loaded.registry);
  if (values.check) {
    const diff = await diffOutput(outDir, files);
    if (gate?.ok === false) {
      console.error(`  hint: a breaking change needs a new version (docs/schema-evolution.md)`);
      return 1;
    }
    if (upToDate(diff)) {
      console.log(`herald codegen: ${outArg} is up to date (${files.size} files)`);
      return 0;
    }
    console.error(`herald codegen: ${outArg} is out of date:`);
    for (const [label, paths] of [
      ['stale  ', diff.stale],
      ['missing', diff.missing],
      ['extra  ', diff.extra],
    ] as const) {
      for (const path of paths) console.error(`  ${label} ${outArg}/${path}`);
    }
    const again = [
      `--registry ${registryArg}`,
      `--out ${outArg}`,
      ...(values.export ? [`--export ${values.export}`] : []),
      ...(values.herald ? [`--herald ${values.herald}`] : []),
    ];
    console.error(
      `  hint: regenerate with herald codegen ${again.join(' ')} and commit the result`,
    );
    return 1;
  }
  if (gate?.ok === false && !values['allow-breaking']) {
    console.error(
      `herald codegen: not writing ${outArg}: the change breaks the lock's compatibility modes (hint: declare a new version with .evolve(), or pass --allow-breaking to accept it knowingly)`,
    );
    return 1;
  }
  const result = await writeOutput(outDir, files);
  const changes = [
    `${result.written.length} written`,
    `${result.unchanged.length} unchanged`,
    ...(result.removed.length > 0 ? [`${result.removed.length} removed`] : []),
  ];
  console.log(`herald codegen: ${outArg}: ${changes.join(', ')}`);
  return 0;
}

/** Runs the gate against the lock in the output directory; undefined when there is none to use. */
async function gateOutput(
  outDir: string,
  outArg: string,
  registry: Registry,
): Promise<GateReport | undefined> {
  let lock: Awaited<ReturnType<typeof readLock>>;
  try {
    lock = await readLock(join(outDir, LOCK_FILE));
  } catch (error) {
    if (error instanceof CodegenError && error.code === CodegenErrorCode.LockOutdated) {
      console.error(`herald codegen: compatibility gate skipped: ${error.message} (${error.hint})`);
      return undefined;
    }
    throw error;
  }
  if (lock === undefined) return undefined;
  const report = checkAgainstLock(lock, registry);
  if (!report.ok) console.error(formatReport(report, `${outArg}/${LOCK_FILE}`));
  return report;
}

async function keys(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === undefined) {
    console.log(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'generate') throw usage(`unknown keys command "${command}"`);
  const { values } = parse(() =>
    parseArgs({
      args: rest,
      strict: true,
      options: { kid: { type: 'string' }, alg: { type: 'string' }, help: { type: 'boolean' } },
    }),
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.alg === 'EdDSA') {
    const pair = generateEd25519Key(values.kid);
    console.log(JSON.stringify(pair.private));
    console.log(JSON.stringify(pair.public));
    return 0;
  }
  if (values.alg !== undefined && values.alg !== 'HS256') {
    throw usage(`unknown algorithm "${values.alg}"`, 'use --alg HS256 (default) or --alg EdDSA');
  }
  const spec = generateKey(values.kid);
  console.log(spec.secret);
  console.log(JSON.stringify(spec));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'codegen':
      return codegen(args);
    case 'keys':
      return keys(args);
    case 'schemas':
      return schemas(args);
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return 0;
    case undefined:
      console.error(HELP);
      return 2;
    default:
      throw usage(
        `unknown command "${command}"`,
        'commands are codegen, schemas and keys; run herald --help',
      );
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CodegenError) {
    console.error(`herald: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`);
    process.exitCode = error.exitCode;
  } else {
    console.error(`herald: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
