/**
 * What installing herald pulls in. The only dependency is `@opentelemetry/api`; TypeBox is a
 * required peer (the app's schemas and Herald's must be one copy); `ioredis`, `pg`, `tsx`,
 * `vitest` and the OpenTelemetry SDK are optional peers, loaded only by the feature that needs
 * them. test/package/install.test.ts checks the same on the installed tarball.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SDK_PACKAGES } from '../../src/otel/sdk.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const packageOf = (s: string): string =>
  s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string);
const external = (s: string): boolean =>
  !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s);

/** Packages a file imports statically at run time (type-only imports erase). */
function staticImports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [
    ...text.matchAll(/^import (?!type )[^;]*?from '([^']+)'/gms),
    ...text.matchAll(/^export (?!type )[^;]*?from '([^']+)'/gms),
  ]
    .map((m) => m[1] as string)
    .filter(external)
    .map(packageOf);
}

/** Packages a file loads on use: `import('x')`, `loadPeer('x', ...)` and otel's `need('x')`. */
function lazyLoads(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [
    ...text.matchAll(/import\('([^']+)'\)/g),
    ...text.matchAll(/\b(?:loadPeer<[^>]*>|need)\('(@?[\w./-]+)'/g),
  ]
    .map((m) => m[1] as string)
    .filter(external)
    .map(packageOf);
}

const files = [...sources('src'), ...sources('codegen')];
const optional = Object.keys(pkg.peerDependencies).filter(
  (name) => pkg.peerDependenciesMeta[name]?.optional === true,
);

describe('package dependencies', () => {
  it('has @opentelemetry/api as its only dependency and TypeBox as its only required peer', () => {
    expect(Object.keys(pkg.dependencies)).toEqual(['@opentelemetry/api']);
    expect(Object.keys(pkg.peerDependencies).filter((name) => !optional.includes(name))).toEqual([
      '@sinclair/typebox',
    ]);
    expect(optional.sort()).toEqual(
      [
        '@nats-io/jetstream',
        '@nats-io/transport-node',
        'ioredis',
        'pg',
        'tsx',
        'vitest',
        ...SDK_PACKAGES,
      ].sort(),
    );
    // Our own tests run on every optional peer.
    for (const name of optional) expect(pkg.devDependencies[name], name).toBeDefined();
  });

  it('imports only its dependency and TypeBox statically, except the vitest-only entry point', () => {
    const required = new Set([...Object.keys(pkg.dependencies), '@sinclair/typebox']);
    const found = files.flatMap((f) =>
      staticImports(f)
        .filter((p) => !required.has(p))
        .map((p) => `${f}: ${p}`),
    );
    expect(found.sort()).toEqual([
      'src/testing/conformance-case.ts: vitest',
      'src/testing/conformance-contract.ts: vitest',
      'src/testing/conformance-delivery.ts: vitest',
      'src/testing/conformance-templates.ts: vitest',
      'src/testing/conformance.ts: vitest',
    ]);
    // The scan finds static imports (a broken pattern would find none).
    expect(files.flatMap(staticImports)).toContain('@sinclair/typebox');
  });

  it('loads every optional peer lazily, and nothing lazily that is not an optional peer', () => {
    const lazy = new Set(files.flatMap(lazyLoads));
    expect([...lazy].sort()).toEqual(
      [
        '@nats-io/jetstream',
        '@nats-io/transport-node',
        'ioredis',
        'pg',
        'tsx',
        ...SDK_PACKAGES,
      ].sort(),
    );
    const sdkUsers = files.filter((f) => lazyLoads(f).some((p) => p.startsWith('@opentelemetry/')));
    expect(sdkUsers).toEqual(['src/otel/sdk.ts']);
  });
});
