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
  diffSchemas,
  eventMode,
} from '../src/schema-tools.js';
import { formatChanges } from '../src/schemas/compat/diff.js';
import { sameConstraints } from '../src/schemas/compat/json.js';
import { modeRule } from '../src/schemas/compat/modes.js';
import type { Lock, LockedEvent, LockedTopic } from './emit/lock.js';
import { compareEvent } from './gate-event.js';

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

function removedTopic(template: string, locked: LockedTopic): GateFinding[] {
  const out = Object.entries(locked.events).map(([name, ev]) => removedEvent(template, name, ev));
  if (locked.raw) {
    out.push({ breaking: false, topic: template, message: 'raw topic removed', details: [] });
  }
  return out;
}

/** A topic in both: raw or typed, its key, its parameters, its removed events. */
function compareTopic(template: string, locked: LockedTopic, topic: TopicEntry): GateFinding[] {
  const out: GateFinding[] = [];
  if (locked.raw !== topic.def.raw) {
    out.push({
      breaking: true,
      topic: template,
      message: topic.def.raw ? 'typed topic turned raw' : 'raw topic turned typed',
      details: [],
      hint: 'declare a new topic instead: nodes on either side would refuse what the other sends',
    });
  }
  if (locked.key !== topic.key) {
    out.push({
      breaking: false,
      topic: template,
      message: `topic key ${locked.key} → ${topic.key} (generated names change)`,
      details: [],
    });
  }
  out.push(...compareParams(template, locked, topic));
  for (const [name, ev] of Object.entries(locked.events)) {
    if (!topic.events.has(name)) out.push(removedEvent(template, name, ev));
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
      findings.push(...removedTopic(template, locked!));
      continue;
    }
    findings.push(
      ...(locked === undefined
        ? [{ breaking: false, topic: template, message: 'new topic', details: [] }]
        : compareTopic(template, locked, topic)),
    );
    for (const name of topic.events.keys()) {
      findings.push(...compareEvent(template, name, locked?.events[name], topic, options));
    }
  }
  return { ok: findings.every((f) => !f.breaking), findings };
}
