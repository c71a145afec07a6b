/**
 * The page's files: `page/index.html`, `page/style.css`, and `page/app.ts` bundled into one ESM
 * script by esbuild (which tsx already brings), once per instance at start, in memory. No build
 * step and nothing written to disk: editing the page and restarting the demo is enough.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));

/** One file to serve. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** The page's files by URL path. */
export type Assets = ReadonlyMap<string, Asset>;

async function bundle(): Promise<Buffer> {
  const result = await build({
    entryPoints: [`${PAGE_DIR}app.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no bundle for page/app.ts');
  return Buffer.from(output.contents);
}

/** Reads and bundles the page. */
export async function loadAssets(): Promise<Assets> {
  const [html, css, js] = await Promise.all([
    readFile(`${PAGE_DIR}index.html`),
    readFile(`${PAGE_DIR}style.css`),
    bundle(),
  ]);
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: css }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: js }],
  ]);
}
