/**
 * `herald/codegen`: the generator as a function.
 *
 * `generate(registry, options)` returns every output file by relative path: `client.ts`,
 * `validators.ts`, `asyncapi.json`, `schemas/*.schema.json` and `herald.lock.json`. Nothing is
 * written; the CLI (`herald codegen`) writes or checks the files. Same input, same bytes.
 *
 * @example
 * const files = generate(registry, { registryImport: '../registry.js' });
 * for (const [path, text] of files) await writeFile(join(out, path), text);
 */
import { posix, relative, resolve, sep } from 'node:path';
import type { Registry } from '../src/index.js';
import { emitAsyncApi } from './emit/asyncapi.js';
import { browserImport, emitBrowserClient, emitBrowserValidators } from './emit/browser.js';
import { emitClient } from './emit/client.js';
import { emitJsonSchemas } from './emit/json-schema.js';
import { emitLock, LOCK_FILE } from './emit/lock.js';
import { emitValidators, type HeraldImports } from './emit/validators.js';
import { CodegenError, CodegenErrorCode } from './errors.js';

export { asyncApiDocument } from './emit/asyncapi.js';
export { schemaId, schemaPath } from './emit/json-schema.js';
export type { Lock, LockedEvent, LockedParam, LockedTopic, LockedVersion } from './emit/lock.js';
export { buildLock, LOCK_ALGORITHM, LOCK_FILE, LOCK_VERSION } from './emit/lock.js';
export type { HeraldImports } from './emit/validators.js';
export { validatorKey } from './emit/validators.js';
export { CodegenError, CodegenErrorCode } from './errors.js';
export type { GateFinding, GateReport } from './gate.js';
export { checkAgainstLock } from './gate.js';
export { formatReport } from './gate-report.js';
export type { LoadedRegistry, LoadOptions } from './load.js';
export { loadRegistry } from './load.js';
export { parseLock, readLock } from './lock-read.js';
export { canonicalJson, fingerprint } from './schema.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /**
   * The registry module as generated code imports it: relative to the output directory, with
   * the extension Node resolves at run time.
   * @example '../registry.js'
   */
  readonly registryImport: string;
  /**
   * The export of that module that holds the registry.
   * @default 'registry'
   */
  readonly registryExport?: string;
  /**
   * Where generated code imports Herald from: a package name, whose `/internal` subpath is used
   * too, or a path (starting with `.` or `/`, relative to the output directory) to a directory
   * holding `index.js` and `internal.js`.
   * @default 'herald'
   * @example '../../../src' (a project inside the Herald repository)
   */
  readonly herald?: string;
  /**
   * Also emit the typed page client (`browser.ts`, over `herald/browser`) and its precompiled
   * checks (`browser-validators.ts`): docs/gateway.md#the-browser-client.
   * @default false
   */
  readonly browser?: boolean;
  /**
   * Where the registry came from, named in the banner of generated files.
   * @default the value of `registryImport`
   */
  readonly source?: string;
}

/** The two import specifiers of Herald, from a package name or a directory path. */
export function heraldImports(spec: string): HeraldImports {
  if (spec.length === 0) {
    throw new CodegenError(CodegenErrorCode.Usage, '--herald is empty', {
      hint: "pass a package name ('herald') or a directory relative to --out ('../../../src')",
    });
  }
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const base = spec.replace(/\/+$/, '');
    return { main: `${base}/index.js`, internal: `${base}/internal.js` };
  }
  return { main: spec, internal: `${spec}/internal` };
}

const RUNTIME_EXTENSIONS: Readonly<Record<string, string>> = {
  '.ts': '.js',
  '.tsx': '.js',
  '.mts': '.mjs',
  '.cts': '.cjs',
};

/**
 * The import specifier of a module from the output directory: relative, `/`-separated, with the
 * extension Node resolves at run time (`registry.ts` → `../registry.js`).
 */
export function relativeImport(fromDir: string, modulePath: string): string {
  let path = relative(resolve(fromDir), resolve(modulePath)).split(sep).join('/');
  const ext = posix.extname(path);
  const runtime = RUNTIME_EXTENSIONS[ext];
  if (runtime !== undefined) path = path.slice(0, -ext.length) + runtime;
  return path.startsWith('.') ? path : `./${path}`;
}

/** Generates every output file, by path relative to the output directory, sorted by path. */
export function generate(registry: Registry, options: GenerateOptions): Map<string, string> {
  if (registry?.kind !== 'registry') {
    throw new CodegenError(CodegenErrorCode.NoRegistry, 'generate() needs a registry', {
      hint: 'pass the result of defineTopics(...)',
    });
  }
  const herald = heraldImports(options.herald ?? 'herald');
  const source = options.source ?? options.registryImport;
  const files = new Map<string, string>([
    ['asyncapi.json', emitAsyncApi(registry)],
    [
      'client.ts',
      emitClient(registry, {
        herald,
        registryImport: options.registryImport,
        registryExport: options.registryExport ?? 'registry',
        source,
      }),
    ],
    [LOCK_FILE, emitLock(registry)],
    ['validators.ts', emitValidators(registry, herald, source)],
    ...emitJsonSchemas(registry),
  ]);
  if (options.browser === true) {
    const browser = browserImport(options.herald ?? 'herald');
    files.set('browser.ts', emitBrowserClient(registry, browser.runtime, source));
    files.set(
      'browser-validators.ts',
      emitBrowserValidators(registry, herald, browser.checks, source),
    );
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
