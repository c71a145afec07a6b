/**
 * What installing herald pulls in: the core's runtime imports are its `dependencies`, and the
 * OpenTelemetry SDK and exporters are optional peers that only `herald/otel` loads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Packages a file imports at run time (type-only imports erase). */
function imported(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/^import (?!type )[^;]*?from '([^']+)'/gms),
    ...text.matchAll(/^export (?!type )[^;]*?from '([^']+)'/gms),
    ...text.matchAll(/import\('([^']+)'\)/g),
  ].map((m) => m[1] as string);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) =>
      s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string),
    );
}

const files = [...sources('src'), ...sources('codegen')];
const SDK = /^@opentelemetry\/(sdk-|exporter-)/;

describe('package dependencies', () => {
  it('every package the library imports at run time is a dependency or an optional peer', () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.peerDependencies),
    ]);
    const missing = files.flatMap((f) =>
      imported(f)
        .filter((p) => !declared.has(p))
        .map((p) => `${f}: ${p}`),
    );
    expect(missing).toEqual([]);
    // The scan found the imports it should (a broken pattern would find none).
    expect(files.flatMap(imported)).toEqual(
      expect.arrayContaining(['ioredis', 'pg', '@sinclair/typebox']),
    );
  });

  it('only herald/otel imports the OpenTelemetry SDK, which is an optional peer, not a dependency', () => {
    const sdkUsers = files.filter((f) => imported(f).some((p) => SDK.test(p)));
    expect(sdkUsers).toEqual(['src/otel/index.ts']);
    for (const name of Object.keys(pkg.dependencies)) expect(name).not.toMatch(SDK);
    for (const name of imported('src/otel/index.ts').filter((p) => SDK.test(p))) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
    }
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@opentelemetry/'))).toEqual([
      '@opentelemetry/api',
    ]);
  });
});
