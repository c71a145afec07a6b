/**
 * The checks of `herald doctor`, one function each, each returning lines of the report with a
 * verdict: `ok`, `warn` (works, but look at it), `fail` (an app on this machine with this
 * configuration would not work) or `skip` (not configured, so not checked; never a failure).
 * This module checks Node and the keys; doctor-transport.ts the transports (with the probes of
 * doctor-probes.ts), doctor-otlp.ts the OTLP endpoint; doctor-line.ts has the line they share.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyConfig } from '../src/index.js';
import { createKeyRing } from '../src/internal.js';
import { type CheckLine, line, message } from './doctor-line.js';

export { type CheckLine, Verdict } from './doctor-line.js';
export { checkOtlp } from './doctor-otlp.js';
export type { TransportTarget } from './doctor-probes.js';
export { checkTransport, SKEW_WARN_MS } from './doctor-transport.js';

/** The `engines.node` range of Herald's own package.json, found from this module upward. */
function enginesRange(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        engines?: { node?: string };
      };
      if (pkg.name === 'herald') return pkg.engines?.node;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const parts = (version: string): number[] =>
  version
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);

/** True when `version` satisfies every `>=x.y.z` / `<x.y.z` comparator of `range`. */
export function satisfies(version: string, range: string): boolean {
  const have = parts(version);
  const cmp = (want: number[]): number => {
    for (let i = 0; i < 3; i++) {
      const d = (have[i] ?? 0) - (want[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  return range
    .split(/\s+/)
    .filter((c) => c.length > 0)
    .every((c) => {
      const m = /^(>=|>|<=|<|=)?v?([\d.]+)$/.exec(c);
      if (!m) return true;
      const d = cmp(parts(m[2]!));
      switch (m[1]) {
        case '>':
          return d > 0;
        case '<':
          return d < 0;
        case '<=':
          return d <= 0;
        case '>=':
          return d >= 0;
        default:
          return d === 0;
      }
    });
}

/** Node's version against Herald's `engines.node`. */
export function checkNode(version = process.version): CheckLine {
  const range = enginesRange();
  if (range === undefined) return line('node', 'ok', `${version} (no engines range found)`);
  return satisfies(version, range)
    ? line('node', 'ok', `${version} (herald needs ${range})`)
    : line('node', 'fail', `${version} does not satisfy ${range}`, {
        hint: `install Node ${range}`,
      });
}

/**
 * The keys: present, strong (Herald's own key loader refuses weak HS256 secrets and malformed
 * keys), and the rotation state: which keys sign, which are only accepted, which are retired.
 */
export function checkKeys(source: string, load: () => KeyConfig | undefined): CheckLine {
  let config: KeyConfig | undefined;
  try {
    config = load();
  } catch (error) {
    return line('keys', 'fail', `${source}: ${message(error)}`, {
      hint: 'fix the value, or make a new one with herald keys generate',
    });
  }
  if (config === undefined) {
    return line('keys', 'fail', `${source} is not set`, {
      hint: 'set it to the line herald keys generate prints (the same value on every node)',
    });
  }
  let ring: ReturnType<typeof createKeyRing>;
  try {
    ring = createKeyRing(config);
  } catch (error) {
    return line('keys', 'fail', `${source}: ${message(error)}`, {
      hint: 'make a strong key with herald keys generate',
    });
  }
  const algs = [...new Set([...ring.verify.values()].map((k) => k.alg))].join('+');
  const signing = ring.signing.map((k) => k.kid);
  const acceptedOnly = [...ring.verify.keys()].filter(
    (kid) => !signing.includes(kid) && !ring.retired.has(kid),
  );
  const parts = [
    `${source}: ${ring.verify.size} key${ring.verify.size === 1 ? '' : 's'} (${algs}), strong`,
    signing.length === 0
      ? 'verify-only (no key this node can sign with)'
      : signing.length > 1
        ? `rotation overlap: signs with ${signing.join(' and ')}`
        : `signs with ${signing[0]}`,
    ...(acceptedOnly.length > 0 ? [`also accepts ${acceptedOnly.join(', ')}`] : []),
    ...(ring.retired.size > 0 ? [`retired: ${[...ring.retired].join(', ')}`] : []),
  ];
  return line('keys', 'ok', parts.join('; '), {
    figures: { keys: ring.verify.size, signing: signing.length, retired: ring.retired.size },
  });
}
