/**
 * Event versions: an ordered history of payload schemas, with typed upcasters between them.
 *
 * `event(schema, options)` declares version 1 (or `options.version`); `.evolve(next, { upcast })`
 * declares the version after it and returns the new definition, typed by the new schema:
 *
 * ```ts
 * const statusUpdated = event(StatusV1, { description: 'An order changed status' })
 *   .evolve(StatusV2) // v1 values are v2 values: no upcaster needed
 *   .evolve(StatusV3, { upcast: (v2) => ({ ...v2, reason: v2.note ?? 'unknown' }) });
 * ```
 *
 * TypeScript types each upcaster from the two schemas, and asks for one exactly when a value of
 * the old version is not a value of the new one. Producers publish the latest version; consumers
 * upgrade older payloads through the chain (docs/schema-evolution.md).
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { ErrorCode, RegistryError } from '../errors.js';
import type { VersionSchema } from './compat/history.js';
import { toJsonSchema } from './compat/json.js';
import {
  type CompatibilityMode,
  DEFAULT_COMPATIBILITY,
  isCompatibilityMode,
} from './compat/modes.js';
import type { EventDef, EventOptions } from './define.js';

/** Turns a payload of the previous version into a payload of this version. */
export type Upcaster = (previous: unknown) => unknown;

/** One version of an event. */
export interface EventVersion<S extends TSchema = TSchema> {
  readonly version: number;
  readonly schema: S;
  /** The upcaster from the previous version; undefined for the first one, or an identity step. */
  readonly upcast: Upcaster | undefined;
}

/** Options of one `.evolve()` step. */
export interface EvolveOptions<P extends TSchema, N extends TSchema> {
  /**
   * Turns a payload of the previous version into one of the new version. Required when a value
   * of the previous type is not a value of the new one.
   * @example (v1) => ({ ...v1, currency: 'EUR' })
   */
  readonly upcast?: (previous: Static<P>) => Static<N>;
  /** A new description of the event (default: the previous one). */
  readonly description?: string;
  /** Marks the event deprecated from this version on. */
  readonly deprecated?: boolean;
  /** Marks this new version as a draft (see `EventOptions.draft`). @default false */
  readonly draft?: boolean;
}

/**
 * The options argument of `.evolve()`: optional when every previous value is a new value,
 * required (with an upcaster) otherwise.
 */
export type EvolveArgs<P extends TSchema, N extends TSchema> = [Static<P>] extends [Static<N>]
  ? [options?: EvolveOptions<P, N>]
  : [options: EvolveOptions<P, N> & { readonly upcast: (previous: Static<P>) => Static<N> }];

interface Parts {
  readonly versions: readonly EventVersion[];
  readonly description: string | undefined;
  readonly deprecated: boolean;
  readonly compatibility: CompatibilityMode | undefined;
  readonly draft: boolean;
}

function build<S extends TSchema>(parts: Parts): EventDef<S> {
  const latest = parts.versions[parts.versions.length - 1]!;
  const def: EventDef<S> = {
    kind: 'event',
    schema: latest.schema as S,
    version: latest.version,
    versions: parts.versions,
    description: parts.description,
    deprecated: parts.deprecated,
    compatibility: parts.compatibility,
    draft: parts.draft,
    evolve<N extends TSchema>(schema: N, ...args: EvolveArgs<S, N>): EventDef<N> {
      const options: EvolveOptions<S, N> = args[0] ?? {};
      return build<N>({
        versions: [
          ...parts.versions,
          { version: latest.version + 1, schema, upcast: options.upcast as Upcaster | undefined },
        ],
        description: options.description ?? parts.description,
        deprecated: options.deprecated ?? parts.deprecated,
        compatibility: parts.compatibility,
        draft: options.draft ?? false,
      });
    },
  };
  return def;
}

/** The definition `event(schema, options)` returns: one version, `options.version` or 1. */
export function createEventDef<S extends TSchema>(schema: S, options: EventOptions): EventDef<S> {
  return build<S>({
    versions: [{ version: options.version ?? 1, schema, upcast: undefined }],
    description: options.description,
    deprecated: options.deprecated ?? false,
    compatibility: options.compatibility,
    draft: options.draft ?? false,
  });
}

/** One version of an event definition, or undefined. */
export function versionOf(def: EventDef, version: number): EventVersion | undefined {
  return def.versions.find((v) => v.version === version);
}

/**
 * Checks an event's history: consecutive positive versions, schemas, upcasters and mode.
 * Throws a {@link RegistryError} that says what to fix.
 */
export function checkEventVersions(def: EventDef, event: string, template: string): void {
  const where = { topic: template, event };
  const fail = (why: string, hint: string): never => {
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `event "${event}" on topic "${template}" ${why}`,
      {
        ...where,
        hint,
      },
    );
  };
  const versions: unknown = def.versions;
  if (!Array.isArray(versions) || versions.length === 0) {
    fail('has no versions', 'declare it with event(schema, { version: 1 })');
  }
  const list = versions as readonly EventVersion[];
  list.forEach((v, i) => {
    if (!Number.isInteger(v?.version) || v.version < 1) {
      fail(`has version ${String(v?.version)}`, 'versions are positive integers: 1, 2, 3, ...');
    }
    const previous = list[i - 1];
    if (previous !== undefined && v.version !== previous.version + 1) {
      fail(
        `jumps from version ${previous.version} to ${v.version}`,
        'each .evolve() step adds the next version: upcasters go from vN to vN+1',
      );
    }
    if (typeof v.schema !== 'object' || v.schema === null) {
      fail(`has no schema for version ${v.version}`, 'pass a TypeBox schema');
    }
    if (v.upcast !== undefined && (typeof v.upcast !== 'function' || previous === undefined)) {
      fail(
        `has an invalid upcaster for version ${v.version}`,
        'an upcaster is a function from the previous version, declared with .evolve(schema, { upcast })',
      );
    }
  });
  if (
    def.version !== list[list.length - 1]!.version ||
    def.schema !== list[list.length - 1]!.schema
  ) {
    fail(
      'has a latest version that is not the last of its history',
      'build versions with .evolve()',
    );
  }
  if (def.compatibility !== undefined && !isCompatibilityMode(def.compatibility)) {
    fail(
      `has compatibility "${String(def.compatibility)}"`,
      'use NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE',
    );
  }
}

/** The mode of an event: its own, else its topic's, else BACKWARD_TRANSITIVE. */
export function eventMode(
  event: Pick<EventDef, 'compatibility'>,
  topic?: { readonly compatibility?: CompatibilityMode | undefined },
): CompatibilityMode {
  return event.compatibility ?? topic?.compatibility ?? DEFAULT_COMPATIBILITY;
}

/** An event's history as the compatibility rules read it: JSON schemas and upcaster flags. */
export function versionSchemas(def: EventDef): VersionSchema[] {
  return def.versions.map((v) => ({
    version: v.version,
    schema: toJsonSchema(v.schema),
    upcast: v.upcast !== undefined,
  }));
}
