/**
 * Versions of the packages under test, read from the installed `package.json` files, and the
 * machine the bench ran on. Ratios only compare like with like when these are stated.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

const cache = new Map<string, string>();

/** Installed version of a package (`"missing"` when it is not installed). */
export function versionOf(name: string): string {
  let version = cache.get(name);
  if (version === undefined) {
    try {
      const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
      version = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
    } catch {
      version = 'missing';
    }
    cache.set(name, version);
  }
  return version;
}

/** Herald's own version. */
export function heraldVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** Packages whose versions every result file records. */
export const RECORDED_PACKAGES = [
  '@sinclair/typebox',
  'ioredis',
  'pg',
  'jose',
  'mqemitter',
  'mqemitter-redis',
  'graphql-redis-subscriptions',
  'tsx',
] as const;

/** The machine and runtime (and how busy the machine was at the end of the run), for the result file. */
export function environment(): Record<string, string | number | boolean> {
  const cpu = cpus();
  return {
    node: process.versions.node,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    // Other work on the machine widens the spread; worth knowing when reading a result file.
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
