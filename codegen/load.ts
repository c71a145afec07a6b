/**
 * Loads the registry module the generator runs on.
 *
 * TypeScript modules are imported through tsx's scoped loader (`tsImport`), JavaScript modules
 * with a plain dynamic import. The registry is the export named by `--export`, or else the one
 * export whose value is a registry (`kind === 'registry'`).
 */
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Registry } from '../src/index.js';
import { CodegenError, CodegenErrorCode } from './errors.js';

/** A registry found in a module. */
export interface LoadedRegistry {
  readonly registry: Registry;
  /** The name of the export that holds it (`default` for a default export). */
  readonly exportName: string;
  /** Absolute path of the module. */
  readonly path: string;
}

/** Options of {@link loadRegistry}. */
export interface LoadOptions {
  /** The export holding the registry. @default the only export that is a registry */
  readonly exportName?: string | undefined;
  /** Directory relative paths start from. @default process.cwd() */
  readonly cwd?: string;
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

let loads = 0;

/** Imports a module and returns its registry. Throws a {@link CodegenError} that says what to fix. */
export async function loadRegistry(
  modulePath: string,
  options: LoadOptions = {},
): Promise<LoadedRegistry> {
  const path = resolve(options.cwd ?? process.cwd(), modulePath);
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) {
    throw new CodegenError(CodegenErrorCode.LoadFailed, `registry module ${modulePath} not found`, {
      hint: `looked for ${path}; pass the path of the file that calls defineTopics`,
    });
  }
  const exports = await importModule(path, modulePath);
  return { ...pickRegistry(exports, modulePath, options.exportName), path };
}

async function importModule(path: string, shown: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    if (TYPESCRIPT.has(extname(path))) {
      const { tsImport } = await import('tsx/esm/api').catch((cause: unknown) => {
        throw new CodegenError(
          CodegenErrorCode.LoadFailed,
          `cannot load ${shown}: TypeScript registries need the tsx package`,
          { hint: 'npm install --save-dev tsx, or point --registry at compiled JavaScript', cause },
        );
      });
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    // A new query string per load: `codegen --watch` sees a changed module (its own imports stay
    // cached by Node; TypeScript registries, loaded through tsx, are fresh throughout).
    return (await import(`${url}?load=${++loads}`)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof CodegenError) throw error;
    const { message, hint } = describe(error);
    throw new CodegenError(CodegenErrorCode.LoadFailed, `importing ${shown} failed: ${message}`, {
      hint: hint ?? `check that the module runs on its own: node --import tsx ${shown}`,
      cause: error,
    });
  }
}

function describe(error: unknown): { message: string; hint: string | undefined } {
  if (!(error instanceof Error)) return { message: String(error), hint: undefined };
  const hint = (error as { hint?: unknown }).hint;
  // Herald errors append "\n  hint: ..." to the message; keep the first line and the hint apart.
  return {
    message: error.message.split('\n')[0] ?? error.message,
    hint: typeof hint === 'string' ? hint : undefined,
  };
}

function isRegistry(value: unknown): value is Registry {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'registry'
  );
}

function pickRegistry(
  exports: Record<string, unknown>,
  shown: string,
  exportName: string | undefined,
): { registry: Registry; exportName: string } {
  const names = Object.keys(exports).sort();
  if (exportName !== undefined) {
    const value = exports[exportName];
    if (!isRegistry(value)) {
      throw new CodegenError(
        CodegenErrorCode.NoRegistry,
        `${shown} has no registry export named "${exportName}"`,
        { hint: `its exports: ${names.join(', ') || '(none)'}` },
      );
    }
    return { registry: value, exportName };
  }
  const candidates = names.filter((name) => isRegistry(exports[name]));
  const distinct = new Set(candidates.map((name) => exports[name]));
  if (candidates.length === 0) {
    throw new CodegenError(CodegenErrorCode.NoRegistry, `${shown} exports no registry`, {
      hint: `export the result of defineTopics(...); its exports: ${names.join(', ') || '(none)'}`,
    });
  }
  if (distinct.size > 1) {
    throw new CodegenError(
      CodegenErrorCode.NoRegistry,
      `${shown} exports several registries: ${candidates.join(', ')}`,
      { hint: 'choose one with --export <name>' },
    );
  }
  // The same registry under two names (`export default registry` too): prefer the named export.
  const named = candidates.find((name) => name !== 'default') ?? candidates[0]!;
  return { registry: exports[named] as Registry, exportName: named };
}
