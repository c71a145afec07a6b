/**
 * Version histories under a mode: which earlier versions a new version must read (backward) or
 * be read by (forward), and whether it does.
 *
 * Backward, Herald reads old data the way a consumer does: through the declared chain of
 * upcasters (a step without one is an identity step that must pass `canRead`), or else directly
 * (the new schema reads the old data as it is). Forward, old readers have no downcasters: the
 * old schema must read the new data as it is.
 */
import type { JsonSchema } from './json.js';
import { type CompatibilityMode, modeRule, type Reach } from './modes.js';
import { canRead } from './read.js';
import type { CompatOptions, Incompatibility } from './types.js';

/** One version of an event as the rules see it. */
export interface VersionSchema {
  readonly version: number;
  /** The payload schema as JSON. */
  readonly schema: JsonSchema;
  /** True when an upcaster from the previous version is declared. */
  readonly upcast: boolean;
}

/** A requirement of the mode that a version does not meet. */
export interface VersionConflict {
  /** The version whose schema must read the data. */
  readonly reader: number;
  /** The version that wrote it. */
  readonly writer: number;
  /** `backward`: the newer version reads older data; `forward`: the older reads newer data. */
  readonly direction: 'backward' | 'forward';
  readonly issues: readonly Incompatibility[];
}

/** How a reader version reads data of an older version. */
export type ReadRoute =
  | { readonly kind: 'same' }
  | { readonly kind: 'chain'; readonly steps: readonly number[] }
  | { readonly kind: 'direct' }
  | { readonly kind: 'none'; readonly writer: number; readonly issues: readonly Incompatibility[] };

/**
 * How `reader` (declared) reads data written with `writer`: through the chain of declared steps
 * from `writer` up to `reader`, else directly, else not at all. In the chain an upcaster writes
 * its version anew; an identity step passes the data on as it was written, so every later
 * schema must read the last writer's data (not merely the step before it). `declared` maps the
 * versions this registry declares (with their upcasters) by number.
 */
export function readRoute(
  reader: VersionSchema,
  writer: VersionSchema,
  declared: ReadonlyMap<number, VersionSchema>,
  options: CompatOptions = {},
): ReadRoute {
  if (writer.version === reader.version) return { kind: 'same' };
  if (writer.version < reader.version && declared.has(writer.version)) {
    const steps: number[] = [];
    let written = declared.get(writer.version)!.schema;
    for (let v = writer.version + 1; v <= reader.version; v++) {
      const step = declared.get(v);
      if (step === undefined) break;
      if (step.upcast) written = step.schema;
      else if (canRead(step.schema, written, options).length > 0) break;
      steps.push(v);
    }
    if (steps.length === reader.version - writer.version) return { kind: 'chain', steps };
  }
  const direct = canRead(reader.schema, writer.schema, options);
  if (direct.length === 0) return { kind: 'direct' };
  return { kind: 'none', writer: writer.version, issues: direct };
}

function targets(reach: Reach, earlier: readonly VersionSchema[]): readonly VersionSchema[] {
  if (reach === 'none' || earlier.length === 0) return [];
  return reach === 'all' ? earlier : [earlier[earlier.length - 1]!];
}

/**
 * What `version` fails of `mode` against the versions before it (`earlier`, oldest first).
 * `declared` holds the versions whose upcasters can serve a backward chain.
 */
export function checkVersion(
  version: VersionSchema,
  earlier: readonly VersionSchema[],
  declared: ReadonlyMap<number, VersionSchema>,
  mode: CompatibilityMode,
  options: CompatOptions = {},
): VersionConflict[] {
  const rule = modeRule(mode);
  const before = earlier.filter((v) => v.version < version.version);
  const out: VersionConflict[] = [];
  for (const old of targets(rule.backward, before)) {
    const route = readRoute(version, old, declared, options);
    if (route.kind === 'none') {
      out.push({
        reader: version.version,
        writer: old.version,
        direction: 'backward',
        issues: route.issues,
      });
    }
  }
  for (const old of targets(rule.forward, before)) {
    const issues = canRead(old.schema, version.schema, options);
    if (issues.length > 0) {
      out.push({ reader: old.version, writer: version.version, direction: 'forward', issues });
    }
  }
  return out;
}

/** Checks every version of a history (oldest first) against the ones before it. */
export function checkHistory(
  history: readonly VersionSchema[],
  mode: CompatibilityMode,
  options: CompatOptions = {},
): VersionConflict[] {
  const declared = new Map(history.map((v) => [v.version, v]));
  return history.flatMap((v, i) => checkVersion(v, history.slice(0, i), declared, mode, options));
}
