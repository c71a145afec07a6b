/**
 * The gate's findings for one event (gate.ts has the rules): its locked versions against the
 * declared ones (frozen schemas, removed versions), then the requirements of its mode on the new
 * history that the locked one did not already fail, then what changed in its list of versions.
 */
import type { TopicEntry } from '../src/index.js';
import {
  type CompatibilityMode,
  type CompatOptions,
  checkVersion,
  diffSchemas,
  eventMode,
  type JsonSchema,
  type VersionConflict,
  type VersionSchema,
  versionSchemas,
} from '../src/schema-tools.js';
import { formatChanges } from '../src/schemas/compat/diff.js';
import { sameConstraints } from '../src/schemas/compat/json.js';
import type { LockedEvent } from './emit/lock.js';
import type { GateFinding } from './gate.js';

/** Where a finding is: the topic template, the event and its mode. */
interface Where {
  readonly topic: string;
  readonly event: string;
  readonly mode: CompatibilityMode;
}

/** One event's histories: declared now, and released in the lock. */
interface Histories {
  readonly where: Where;
  readonly fresh: readonly VersionSchema[];
  readonly declared: ReadonlyMap<number, VersionSchema>;
  readonly old: readonly VersionSchema[];
  readonly latest: number;
  /** The latest version when it is a draft. */
  readonly draft: number | undefined;
}

const key = (c: VersionConflict): string => `${c.reader}:${c.writer}:${c.direction}`;

/** Every requirement of `mode` that a history fails. */
function conflictsOf(
  history: readonly VersionSchema[],
  declared: ReadonlyMap<number, VersionSchema>,
  mode: CompatibilityMode,
  options: CompatOptions,
): VersionConflict[] {
  return history.flatMap((v, i) => checkVersion(v, history.slice(0, i), declared, mode, options));
}

/** The released versions of a locked event: drafts are not frozen. */
const lockedHistory = (event: LockedEvent): VersionSchema[] =>
  event.versions
    .filter((v) => v.draft !== true)
    .map((v) => ({
      version: v.version,
      schema: v.schema as JsonSchema,
      upcast: v.upcast,
    }));

function conflictFinding(c: VersionConflict, where: Where): GateFinding {
  const backward = c.direction === 'backward';
  return {
    breaking: true,
    ...where,
    message: `version ${c.reader} cannot read data written with version ${c.writer} (${c.direction}, required by ${where.mode})`,
    details: c.issues.map((i) => `${i.path || '/'}: ${i.message}`),
    hint: backward
      ? `declare an upcaster from version ${c.writer} (.evolve(schema, { upcast })), or keep the change readable (optional field, wider type)`
      : `consumers still on version ${c.reader} would refuse version ${c.writer}: keep the change readable by them, or upgrade them first and relax the mode deliberately`,
  };
}

/** The findings of one declared event against its locked entry (if any). */
export function compareEvent(
  template: string,
  name: string,
  locked: LockedEvent | undefined,
  topic: TopicEntry,
  options: CompatOptions,
): GateFinding[] {
  const def = topic.events.get(name)!.def;
  const mode = eventMode(def, topic.def);
  const fresh = versionSchemas(def);
  const h: Histories = {
    where: { topic: template, event: name, mode },
    fresh,
    declared: new Map(fresh.map((v) => [v.version, v])),
    old: locked === undefined ? [] : lockedHistory(locked),
    latest: fresh[fresh.length - 1]!.version,
    draft: def.draft ? def.version : undefined,
  };
  const out: GateFinding[] = [];
  if (locked !== undefined && locked.compatibility !== mode) {
    out.push({
      breaking: false,
      ...h.where,
      message: `mode ${locked.compatibility} → ${mode}`,
      details: [],
    });
  }
  for (const before of h.old) out.push(...frozenVersion(h, before));
  out.push(...newConflicts(h, options));
  out.push(...versionListChanges(h, locked !== undefined));
  return out;
}

/** A locked version: removed (breaking above the latest), re-annotated, or changed (breaking). */
function frozenVersion(h: Histories, before: VersionSchema): GateFinding[] {
  const now = h.declared.get(before.version);
  if (now === undefined) {
    if (before.version <= h.latest || h.where.mode === 'NONE') return [];
    return [
      {
        breaking: true,
        ...h.where,
        message: `version ${before.version} was removed, but it is newer than the latest (${h.latest}): producers may still send it`,
        details: [],
        hint: 'versions only grow: declare the change as the next version with .evolve()',
      },
    ];
  }
  if (sameConstraints(before.schema, now.schema)) {
    const annotated = diffSchemas(before.schema, now.schema, { annotations: true });
    if (annotated.length === 0) return [];
    return [
      {
        breaking: false,
        ...h.where,
        message: `version ${before.version}: annotations changed`,
        details: formatChanges(annotated),
      },
    ];
  }
  return [
    {
      breaking: true,
      ...h.where,
      message: `version ${before.version} changed without a new version`,
      details: formatChanges(diffSchemas(before.schema, now.schema)),
      hint: `a version number names one schema forever: declare the change as version ${h.latest + 1} with .evolve(schema, { upcast })`,
    },
  ];
}

/** The mode's requirements the new history fails and the locked one did not. */
function newConflicts(h: Histories, options: CompatOptions): GateFinding[] {
  const { old, declared, latest, draft, where } = h;
  // The history consumers may meet: every locked version, with the declared schema where both.
  const combined = [
    ...h.fresh,
    ...old.filter((v) => !declared.has(v.version) && v.version < latest),
  ].sort((a, b) => a.version - b.version);
  const known = new Set(
    conflictsOf(old, new Map(old.map((v) => [v.version, v])), where.mode, options).map(key),
  );
  // New versions, and the latest as a reader (dropped versions, removed upcasters): pairs among
  // older versions were settled when they were added, by readers that keep their own upcasters.
  const readers = combined.filter(
    (v) => v.version === latest || !old.some((o) => o.version === v.version),
  );
  const earlier = (v: VersionSchema) => combined.filter((c) => c.version < v.version);
  const out: GateFinding[] = [];
  for (const reader of readers) {
    for (const c of checkVersion(reader, earlier(reader), declared, where.mode, options)) {
      if (known.has(key(c))) continue;
      const finding = conflictFinding(c, where);
      out.push(
        c.reader === draft || c.writer === draft
          ? {
              ...finding,
              breaking: false,
              message: `draft version ${draft}: ${finding.message}; breaking once released`,
            }
          : finding,
      );
    }
  }
  return out;
}

/** Versions added (when the event was locked before) and versions no longer declared. */
function versionListChanges(h: Histories, wasLocked: boolean): GateFinding[] {
  const { old, declared, latest, draft, where } = h;
  const out: GateFinding[] = [];
  const added = h.fresh
    .filter((v) => !old.some((o) => o.version === v.version))
    .map((v) => v.version);
  if (added.length > 0 && wasLocked) {
    out.push({
      breaking: false,
      ...where,
      message: `new ${draft !== undefined && added.includes(draft) ? 'draft ' : ''}version${added.length > 1 ? 's' : ''} ${added.join(', ')}`,
      details: [],
    });
  }
  const dropped = old.filter((v) => !declared.has(v.version) && v.version < latest);
  if (dropped.length > 0) {
    out.push({
      breaking: false,
      ...where,
      message: `version${dropped.length > 1 ? 's' : ''} ${dropped.map((v) => v.version).join(', ')} no longer declared: consumers read ${dropped.length > 1 ? 'them' : 'it'} directly or refuse ${dropped.length > 1 ? 'them' : 'it'}`,
      details: [],
    });
  }
  return out;
}
