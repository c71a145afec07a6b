/**
 * The compatibility gate: compares a registry with a committed `herald.lock.json` and lists
 * what the change breaks.
 *
 * Breaking, per event, under its mode:
 * - a locked version whose schema changed (anything beyond annotations): a version number names
 *   one schema forever, since it is all a consumer has to pick a schema and an upcaster by;
 * - a requirement of the mode that the new history fails and the locked one did not: a new
 *   version the previous ones cannot read (or that cannot read them, without an upcaster), an
 *   upcaster removed, a version dropped that the latest still had to read;
 * - a version above the new latest removed, an event removed under a backward mode (producers
 *   still send it), a narrowed topic parameter, a topic turned raw or typed.
 *
 * Requirements the locked history already failed are not reported again: a mode applies to
 * changes made under it, as in Confluent's registry.
 *
 * Drafts: a version locked as a draft is not frozen (the gate reads the lock as if it were not
 * there), and what a draft version of the registry would break is reported, not breaking: it
 * blocks once the draft flag is removed and the version is released.
 */
import type { Registry, TopicEntry } from '../src/index.js';
import {
  type CompatibilityMode,
  type CompatOptions,
  canRead,
  checkVersion,
  diffSchemas,
  eventMode,
  type JsonSchema,
  type VersionConflict,
  type VersionSchema,
  versionSchemas,
} from '../src/index.js';
import { formatChanges } from '../src/schemas/compat/diff.js';
import { sameConstraints } from '../src/schemas/compat/json.js';
import { modeRule } from '../src/schemas/compat/modes.js';
import type { Lock, LockedEvent, LockedTopic } from './emit/lock.js';

/** One finding of the gate. */
export interface GateFinding {
  readonly breaking: boolean;
  /** The topic template. */
  readonly topic: string;
  readonly event?: string;
  /** The event's mode, when the finding is about an event. */
  readonly mode?: CompatibilityMode;
  readonly message: string;
  /** Indented detail lines: a schema diff, the incompatibilities. */
  readonly details: readonly string[];
  readonly hint?: string;
}

/** The gate's verdict. */
export interface GateReport {
  readonly ok: boolean;
  readonly findings: readonly GateFinding[];
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

function conflictFinding(
  c: VersionConflict,
  where: { topic: string; event: string; mode: CompatibilityMode },
): GateFinding {
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

function compareEvent(
  template: string,
  name: string,
  locked: LockedEvent | undefined,
  topic: TopicEntry,
  options: CompatOptions,
): GateFinding[] {
  const def = topic.events.get(name)!.def;
  const mode = eventMode(def, topic.def);
  const where = { topic: template, event: name, mode };
  const out: GateFinding[] = [];
  const fresh = versionSchemas(def);
  const declared = new Map(fresh.map((v) => [v.version, v]));
  const old = locked === undefined ? [] : lockedHistory(locked);
  const draft = def.draft ? def.version : undefined;
  if (locked !== undefined && locked.compatibility !== mode) {
    out.push({
      breaking: false,
      ...where,
      message: `mode ${locked.compatibility} → ${mode}`,
      details: [],
    });
  }
  const latest = fresh[fresh.length - 1]!.version;
  for (const before of old) {
    const now = declared.get(before.version);
    if (now === undefined) {
      if (before.version > latest && mode !== 'NONE') {
        out.push({
          breaking: true,
          ...where,
          message: `version ${before.version} was removed, but it is newer than the latest (${latest}): producers may still send it`,
          details: [],
          hint: 'versions only grow: declare the change as the next version with .evolve()',
        });
      }
      continue;
    }
    if (sameConstraints(before.schema, now.schema)) {
      const annotated = diffSchemas(before.schema, now.schema, { annotations: true });
      if (annotated.length > 0) {
        out.push({
          breaking: false,
          ...where,
          message: `version ${before.version}: annotations changed`,
          details: formatChanges(annotated),
        });
      }
      continue;
    }
    out.push({
      breaking: true,
      ...where,
      message: `version ${before.version} changed without a new version`,
      details: formatChanges(diffSchemas(before.schema, now.schema)),
      hint: `a version number names one schema forever: declare the change as version ${latest + 1} with .evolve(schema, { upcast })`,
    });
  }
  // The history consumers may meet: every locked version, with the declared schema where both.
  const combined = [
    ...fresh,
    ...old.filter((v) => !declared.has(v.version) && v.version < latest),
  ].sort((a, b) => a.version - b.version);
  const known = new Set(
    conflictsOf(old, new Map(old.map((v) => [v.version, v])), mode, options).map(key),
  );
  // New versions, and the latest as a reader (dropped versions, removed upcasters): pairs among
  // older versions were settled when they were added, by readers that keep their own upcasters.
  const readers = combined.filter(
    (v) => v.version === latest || !old.some((o) => o.version === v.version),
  );
  const earlier = (v: VersionSchema) => combined.filter((c) => c.version < v.version);
  for (const reader of readers) {
    for (const c of checkVersion(reader, earlier(reader), declared, mode, options)) {
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
  const added = fresh
    .filter((v) => !old.some((o) => o.version === v.version))
    .map((v) => v.version);
  if (added.length > 0 && locked !== undefined) {
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

function removedEvent(template: string, name: string, locked: LockedEvent): GateFinding {
  const mode = locked.compatibility as CompatibilityMode;
  if (locked.versions.every((v) => v.draft === true)) {
    return {
      breaking: false,
      topic: template,
      event: name,
      mode,
      message: 'draft event removed',
      details: [],
    };
  }
  const backward = modeRule(mode).backward !== 'none';
  return {
    breaking: backward,
    topic: template,
    event: name,
    mode,
    message: backward
      ? `event removed under ${mode}: consumers built from this registry will refuse it while producers still send it`
      : 'event removed',
    details: [],
    ...(backward
      ? {
          hint: 'keep it (deprecated: true) until no producer sends it, or set its compatibility to FORWARD or NONE first',
        }
      : {}),
  };
}

function compareParams(template: string, locked: LockedTopic, topic: TopicEntry): GateFinding[] {
  const modes = [...topic.events.values()].map((e) => modeRule(eventMode(e.def, topic.def)));
  const needsBackward = topic.def.raw || modes.some((m) => m.backward !== 'none');
  const needsForward = topic.def.raw || modes.some((m) => m.forward !== 'none');
  const out: GateFinding[] = [];
  for (const [name, validator] of topic.paramValidators) {
    const before = locked.params[name];
    if (
      before === undefined ||
      sameConstraints(before.schema, JSON.parse(JSON.stringify(validator.schema)))
    ) {
      continue;
    }
    const issues = [
      ...(needsBackward ? canRead(validator.schema, before.schema) : []),
      ...(needsForward ? canRead(before.schema, validator.schema) : []),
    ];
    out.push({
      breaking: issues.length > 0,
      topic: template,
      message: `parameter "${name}" changed${issues.length > 0 ? ': nodes on either side would refuse topics the other builds' : ''}`,
      details: [
        ...formatChanges(diffSchemas(before.schema, JSON.parse(JSON.stringify(validator.schema)))),
        ...issues.map((i) => `${i.path || '/'}: ${i.message}`),
      ],
      ...(issues.length > 0
        ? {
            hint: 'topic parameters are part of the address: keep their schema, or add a new topic',
          }
        : {}),
    });
  }
  return out;
}

/** Compares a registry with a lock; `ok` is false when a change is breaking. */
export function checkAgainstLock(
  lock: Lock,
  registry: Registry,
  options: CompatOptions = {},
): GateReport {
  const findings: GateFinding[] = [];
  const current = new Map(registry.entries.map((e) => [e.def.template, e]));
  const templates = [...new Set([...Object.keys(lock.topics), ...current.keys()])].sort();
  for (const template of templates) {
    const locked = lock.topics[template];
    const topic = current.get(template);
    if (topic === undefined) {
      for (const [name, ev] of Object.entries(locked!.events))
        findings.push(removedEvent(template, name, ev));
      if (locked!.raw)
        findings.push({
          breaking: false,
          topic: template,
          message: 'raw topic removed',
          details: [],
        });
      continue;
    }
    if (locked !== undefined) {
      if (locked.raw !== topic.def.raw) {
        findings.push({
          breaking: true,
          topic: template,
          message: topic.def.raw ? 'typed topic turned raw' : 'raw topic turned typed',
          details: [],
          hint: 'declare a new topic instead: nodes on either side would refuse what the other sends',
        });
      }
      if (locked.key !== topic.key) {
        findings.push({
          breaking: false,
          topic: template,
          message: `topic key ${locked.key} → ${topic.key} (generated names change)`,
          details: [],
        });
      }
      findings.push(...compareParams(template, locked, topic));
      for (const [name, ev] of Object.entries(locked.events)) {
        if (!topic.events.has(name)) findings.push(removedEvent(template, name, ev));
      }
    } else {
      findings.push({ breaking: false, topic: template, message: 'new topic', details: [] });
    }
    for (const name of topic.events.keys()) {
      findings.push(...compareEvent(template, name, locked?.events[name], topic, options));
    }
  }
  return { ok: findings.every((f) => !f.breaking), findings };
}
