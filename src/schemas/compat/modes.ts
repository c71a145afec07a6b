/**
 * Compatibility modes, as in Confluent Schema Registry, and what each one asks of a new version.
 *
 * Direction, in reader/writer terms (a schema *reads* the data another one *wrote*):
 * - BACKWARD: the new version reads data written with the previous one (upgrade consumers first);
 * - FORWARD: the previous version reads data written with the new one (upgrade producers first);
 * - FULL: both. The `_TRANSITIVE` variants ask the same of every earlier version, not only the
 *   previous one. NONE asks nothing.
 *
 * In Herald a declared upcaster satisfies the backward direction of its step: the new reader
 * reads old data through it (docs/schema-evolution.md).
 */

/** The compatibility modes. */
export const CompatibilityMode = {
  None: 'NONE',
  Backward: 'BACKWARD',
  BackwardTransitive: 'BACKWARD_TRANSITIVE',
  Forward: 'FORWARD',
  ForwardTransitive: 'FORWARD_TRANSITIVE',
  Full: 'FULL',
  FullTransitive: 'FULL_TRANSITIVE',
} as const;

/** One compatibility mode. */
export type CompatibilityMode = (typeof CompatibilityMode)[keyof typeof CompatibilityMode];

/** The mode of an event that declares none (nor its topic): BACKWARD_TRANSITIVE. */
export const DEFAULT_COMPATIBILITY: CompatibilityMode = CompatibilityMode.BackwardTransitive;

/** How far back one direction of a mode reaches: not at all, the previous version, or every one. */
export type Reach = 'none' | 'previous' | 'all';

/** What a mode asks: how far back the new version must read (backward) and be read (forward). */
export interface ModeRule {
  readonly backward: Reach;
  readonly forward: Reach;
}

const RULES: Readonly<Record<CompatibilityMode, ModeRule>> = {
  NONE: { backward: 'none', forward: 'none' },
  BACKWARD: { backward: 'previous', forward: 'none' },
  BACKWARD_TRANSITIVE: { backward: 'all', forward: 'none' },
  FORWARD: { backward: 'none', forward: 'previous' },
  FORWARD_TRANSITIVE: { backward: 'none', forward: 'all' },
  FULL: { backward: 'previous', forward: 'previous' },
  FULL_TRANSITIVE: { backward: 'all', forward: 'all' },
};

/** Every mode, in the order of the table above. */
export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = Object.values(CompatibilityMode);

/** True for one of the seven mode names. */
export function isCompatibilityMode(value: unknown): value is CompatibilityMode {
  return typeof value === 'string' && Object.hasOwn(RULES, value);
}

/** The reach of each direction of a mode. */
export function modeRule(mode: CompatibilityMode): ModeRule {
  return RULES[mode];
}
