/**
 * Registering an event's versions in a schema store, as a schema registry server would: a
 * version already stored must have the same schema; a new version must meet the event's mode
 * against every stored version, or it is refused. The first write of a version wins, so two
 * producers racing with different schemas for one version cannot both succeed.
 */
import { ErrorCode, HeraldError } from '../errors.js';
import {
  checkVersion,
  type VersionConflict,
  type VersionSchema,
} from '../schemas/compat/history.js';
import { sameConstraints } from '../schemas/compat/json.js';
import type { CompatibilityMode } from '../schemas/compat/modes.js';
import type { CompatOptions } from '../schemas/compat/types.js';
import type { EventEntry, Registry, TopicEntry } from '../schemas/define.js';
import { eventMode, versionSchemas } from '../schemas/versions.js';
import { schemaFingerprint, subjectOf } from './subject.js';
import type { SchemaStore, StoredSchema } from './types.js';

/** Why a registration was refused. */
export const RegistrationProblem = {
  /** A new version breaks the mode against the stored history. */
  Incompatible: 'incompatible',
  /** A version number is stored with another schema. */
  Conflict: 'conflict',
} as const;
/** One registration problem. */
export type RegistrationProblem = (typeof RegistrationProblem)[keyof typeof RegistrationProblem];

/**
 * A registration the store refused (code `REGISTRY_INVALID`); `conflicts` say which versions
 * cannot read which.
 */
export class SchemaRegistrationError extends HeraldError {
  override readonly name = 'SchemaRegistrationError';
  readonly subject: string;
  readonly problem: RegistrationProblem;
  readonly version: number;
  readonly conflicts: readonly VersionConflict[];

  constructor(
    subject: string,
    problem: RegistrationProblem,
    version: number,
    message: string,
    context: { readonly hint: string; readonly conflicts?: readonly VersionConflict[] },
  ) {
    const { template, event } = splitSubject(subject);
    super(ErrorCode.RegistryInvalid, message, { topic: template, event, hint: context.hint });
    this.subject = subject;
    this.problem = problem;
    this.version = version;
    this.conflicts = context.conflicts ?? [];
  }
}

function splitSubject(subject: string): { template: string; event: string } {
  const at = subject.lastIndexOf('/');
  return { template: subject.slice(0, at), event: subject.slice(at + 1) };
}

/** The versions of one event to register, with its mode. */
export interface EventHistory {
  readonly subject: string;
  readonly compatibility: CompatibilityMode;
  /** Declared versions, oldest first. */
  readonly versions: readonly VersionSchema[];
}

/** The history of one event of a registry. */
export function eventHistory(topic: TopicEntry, event: EventEntry): EventHistory {
  return {
    subject: subjectOf(topic.def.template, event.name),
    compatibility: eventMode(event.def, topic.def),
    versions: versionSchemas(event.def),
  };
}

/** What a registration did. */
export interface RegisterResult {
  readonly subject: string;
  /** Versions this call stored. */
  readonly registered: readonly number[];
  /** Versions that were stored already, with the same schema. */
  readonly existing: readonly number[];
}

/** Options of {@link registerEvent} and {@link registerSchemas}. */
export interface RegisterOptions extends CompatOptions {
  /** Recorded as `registeredBy`. @default 'herald' */
  readonly by?: string;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

const describe = (c: VersionConflict): string =>
  `version ${c.reader} cannot read version ${c.writer} (${c.direction}): ${c.issues[0]?.path || '/'} ${c.issues[0]?.message ?? ''}`.trimEnd();

/** Registers one event's versions; throws a {@link SchemaRegistrationError} when refused. */
export async function registerEvent(
  store: SchemaStore,
  history: EventHistory,
  options: RegisterOptions = {},
): Promise<RegisterResult> {
  const { subject, compatibility: mode } = history;
  const stored = new Map((await store.versions(subject)).map((r) => [r.version, r]));
  const declared = new Map(history.versions.map((v) => [v.version, v]));
  const existing: number[] = [];
  const fresh: VersionSchema[] = [];
  for (const v of history.versions) {
    const found = stored.get(v.version);
    if (found === undefined) fresh.push(v);
    else {
      assertSame(subject, v, found);
      existing.push(v.version);
    }
  }
  const known = new Map<number, VersionSchema>(
    [...stored.values()].map((r) => [
      r.version,
      { version: r.version, schema: r.schema, upcast: r.upcast },
    ]),
  );
  const registered: number[] = [];
  for (const v of fresh) {
    const earlier = [...known.values(), ...declared.values()]
      .filter(
        (k, i, all) => k.version < v.version && all.findIndex((x) => x.version === k.version) === i,
      )
      .sort((a, b) => a.version - b.version);
    const conflicts = checkVersion(v, earlier, declared, mode, options);
    // A version below stored ones must also meet the modes those later versions were stored under.
    for (const later of [...stored.values()].filter((r) => r.version > v.version)) {
      const laterSchema = { version: later.version, schema: later.schema, upcast: later.upcast };
      const below = [...known.values(), v].filter((k) => k.version < later.version);
      below.sort((a, b) => a.version - b.version);
      conflicts.push(
        ...checkVersion(laterSchema, below, declared, later.compatibility, options).filter(
          (c) => c.reader === v.version || c.writer === v.version,
        ),
      );
    }
    if (conflicts.length > 0) {
      throw new SchemaRegistrationError(
        subject,
        RegistrationProblem.Incompatible,
        v.version,
        `${subject} version ${v.version} breaks ${mode} against the schema store: ${conflicts.map(describe).join('; ')}`,
        {
          conflicts,
          hint: 'declare an upcaster for a backward break, keep the old field, or change the mode deliberately (docs/schema-evolution.md)',
        },
      );
    }
    const { stored: now, created } = await store.insert({
      subject,
      version: v.version,
      schema: v.schema,
      fingerprint: schemaFingerprint(v.schema),
      compatibility: mode,
      upcast: v.upcast,
      registeredAt: (options.now ?? Date.now)(),
      registeredBy: options.by ?? 'herald',
    });
    if (!created) assertSame(subject, v, now);
    else registered.push(v.version);
    known.set(v.version, v);
  }
  return { subject, registered, existing };
}

function assertSame(subject: string, v: VersionSchema, found: StoredSchema): void {
  if (found.fingerprint === schemaFingerprint(v.schema) || sameConstraints(found.schema, v.schema))
    return;
  throw new SchemaRegistrationError(
    subject,
    RegistrationProblem.Conflict,
    v.version,
    `${subject} version ${v.version} is already registered with another schema (${found.fingerprint}, by ${found.registeredBy})`,
    {
      hint: 'a version number names one schema forever: declare the change as the next version with .evolve()',
    },
  );
}

/** Registers every event of a registry (raw topics have none); stops at the first refusal. */
export async function registerSchemas(
  store: SchemaStore,
  registry: Registry,
  options: RegisterOptions = {},
): Promise<RegisterResult[]> {
  const results: RegisterResult[] = [];
  for (const topic of registry.entries) {
    for (const event of topic.events.values()) {
      results.push(await registerEvent(store, eventHistory(topic, event), options));
    }
  }
  return results;
}
