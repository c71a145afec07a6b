/**
 * Checks one topic declaration for `defineTopics` and compiles it into a registry entry: its key,
 * its template (unique, overlapping no other), its parameter schemas, its events with every
 * version, and its presence schema. Each refusal is a {@link RegistryError} naming the topic,
 * the field or event, and the fix.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { ErrorCode, RegistryError } from '../errors.js';
import { IDENTIFIER_PATTERN } from '../rules.js';
import type { TopicDef } from './declare.js';
import { checkDurable } from './durable.js';
import type { EventEntry, TopicEntry } from './registry-types.js';
import { reservedBy } from './reserved.js';
import { schemaProblem } from './schema-check.js';
import { type ParsedTemplate, parseTemplate, templatesOverlap } from './template.js';
import { createValidator, type Validator } from './validator.js';
import { checkEventVersions } from './versions.js';

const SUPPORTED_PARAM_TYPES = new Set(['string', 'integer', 'number']);

/** The topics checked so far, for the uniqueness and overlap checks. */
export interface CheckedSoFar {
  readonly entries: readonly TopicEntry[];
  /** Template → key of the topics checked so far. */
  readonly byTemplate: ReadonlyMap<string, string>;
}

/** Checks one declaration against the topics before it; returns its entry or throws. */
export function checkTopic(key: string, def: TopicDef, before: CheckedSoFar): TopicEntry {
  checkKey(key, def);
  const parsed = parseTemplate(def.template);
  checkUnique(key, def.template, parsed, before);
  const paramValidators = checkParams(def, parsed);
  const events = checkEvents(def);
  checkPresence(def);
  checkDurable(def.template, def.durable);
  return { key, def, parsed, events, paramValidators };
}

function checkKey(key: string, def: TopicDef | undefined): void {
  if (!IDENTIFIER_PATTERN.test(key)) {
    throw new RegistryError(ErrorCode.RegistryInvalid, `topic key "${key}" is not an identifier`, {
      topic: def?.template ?? key,
      hint: 'keys name the generated functions: use letters, digits and "_", e.g. "chatRoom"',
    });
  }
  if (def?.kind !== 'topic') {
    throw new RegistryError(ErrorCode.RegistryInvalid, `"${key}" is not a topic definition`, {
      hint: 'declare it with topic("name:{param}", { events: { ... } }) or rawTopic(...)',
    });
  }
}

function checkUnique(
  key: string,
  template: string,
  parsed: ParsedTemplate,
  before: CheckedSoFar,
): void {
  const previous = before.byTemplate.get(template);
  if (previous !== undefined) {
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `topic "${template}" is declared twice, as "${previous}" and "${key}"`,
      { topic: template, hint: 'declare each topic once; put all its events under one key' },
    );
  }
  for (const other of before.entries) {
    if (templatesOverlap(parsed, other.parsed)) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `topic "${template}" (${key}) overlaps "${other.def.template}" (${other.key}): one concrete topic could match both`,
        {
          topic: template,
          hint: 'give the two topics different literal segments, e.g. "room:{id}" and "room:{id}:typing"',
        },
      );
    }
  }
}

function checkParams(def: TopicDef, parsed: ParsedTemplate): Map<string, Validator> {
  const where = { topic: def.template };
  for (const name of Object.keys(def.params ?? {})) {
    if (!parsed.params.includes(name)) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `topic "${def.template}" declares a schema for "${name}", which is not a parameter of the template`,
        {
          ...where,
          field: name,
          hint: `the template's parameters are: ${parsed.params.join(', ') || '(none)'}`,
        },
      );
    }
  }
  const validators = new Map<string, Validator>();
  for (const name of parsed.params) {
    const schema =
      (def.params as Record<string, TSchema | undefined>)[name] ?? Type.String({ minLength: 1 });
    const problem = schemaProblem(schema);
    if (problem !== undefined) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `the schema of parameter "${name}" of topic "${def.template}" ${problem.what}`,
        {
          ...where,
          field: name,
          hint: 'declare it as Type.String(...), Type.Integer(...) or Type.Number(...)',
        },
      );
    }
    const type = typeof schema.type === 'string' ? schema.type : '';
    if (!SUPPORTED_PARAM_TYPES.has(type)) {
      throw new RegistryError(
        ErrorCode.RegistryInvalid,
        `parameter "${name}" of topic "${def.template}" has type "${type || 'unknown'}"`,
        { ...where, field: name, hint: 'topic parameters are strings, integers or numbers' },
      );
    }
    validators.set(name, createValidator(schema));
  }
  return validators;
}

function checkEvents(def: TopicDef): Map<string, EventEntry> {
  const events = new Map<string, EventEntry>();
  for (const [name, ev] of Object.entries(def.events ?? {})) {
    checkEventName(def.template, name, ev);
    const versions = ev.versions ?? [{ schema: ev.schema, version: ev.version }];
    for (const version of versions) {
      const problem = schemaProblem(version.schema);
      if (problem !== undefined) {
        throw new RegistryError(
          ErrorCode.RegistryInvalid,
          `the payload schema of event "${name}"${versions.length > 1 ? ` version ${version.version}` : ''} on topic "${def.template}" ${problem.what}`,
          { topic: def.template, event: name, hint: problem.hint },
        );
      }
    }
    checkEventVersions(ev, name, def.template);
    const validator = createValidator(ev.schema, undefined, { topic: def.template, event: name });
    events.set(name, { name, def: ev, validator });
  }
  if (!def.raw && events.size === 0) {
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `topic "${def.template}" declares no events`,
      {
        topic: def.template,
        hint: 'add at least one event, or declare the topic with rawTopic(...) for untyped payloads',
      },
    );
  }
  return events;
}

function checkEventName(template: string, name: string, ev: { kind?: unknown } | undefined): void {
  const owner = reservedBy(name);
  if (!IDENTIFIER_PATTERN.test(name) || owner !== undefined) {
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `event name "${name}" on topic "${template}" is ${owner === undefined ? 'not an identifier' : `reserved (by ${owner})`}`,
      {
        topic: template,
        event: name,
        hint: 'event names are identifiers such as "message" or "status_updated"',
      },
    );
  }
  if (ev?.kind !== 'event') {
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `event "${name}" on topic "${template}" is not an event definition`,
      {
        topic: template,
        event: name,
        hint: 'declare it with event(Type.Object({ ... }), { version: 1, description: "..." })',
      },
    );
  }
}

function checkPresence(def: TopicDef): void {
  const presence: unknown = def.presence;
  const problem =
    presence === undefined ? undefined : schemaProblem(presence, (inner) => `presence: ${inner}`);
  if (problem !== undefined) {
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `the presence schema of topic "${def.template}" ${problem.what}`,
      { topic: def.template, hint: problem.hint },
    );
  }
}
