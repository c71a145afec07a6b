/**
 * The checks of a publish before anything is stamped: the topic and event exist in the registry,
 * a raw topic is published raw and a typed one typed, a draft only where drafts are on, and the
 * payload matches its schema (the precompiled validator when the bus has one).
 */
import { ConfigError, ErrorCode, HeraldError, ValidationError } from '../errors.js';
import { IDENTIFIER_PATTERN } from '../rules.js';
import type { EventEntry, ResolvedTopic } from '../schemas/define.js';
import { eventError, topicError } from '../schemas/diagnose.js';
import { createValidator, describeIssues, type Validator } from '../schemas/validator.js';
import type { BusContext } from './context.js';

/** A raw event name is an identifier (src/rules.ts). */
const RAW_EVENT = IDENTIFIER_PATTERN;

/** The registry entry of a topic string, or an UnknownTopic error that lists the templates. */
export function resolveTopic(ctx: BusContext, topic: string): ResolvedTopic {
  const resolved = typeof topic === 'string' ? ctx.registry.resolve(topic) : undefined;
  if (!resolved) throw topicError(ctx.registry, topic);
  return resolved;
}

/** The registry entry of an event of a resolved topic, or an UnknownEvent error. */
export function eventEntry(resolved: ResolvedTopic, event: string): EventEntry {
  const entry = resolved.entry.events.get(event);
  if (!entry) throw eventError(resolved, event);
  return entry;
}

/** Raw topics are published with broadcastRaw, typed ones with the other calls. */
export function checkRaw(
  resolved: ResolvedTopic,
  topic: string,
  event: string,
  raw: boolean,
): void {
  const def = resolved.entry.def;
  if (def.raw === raw) return;
  throw new HeraldError(
    ErrorCode.RawMismatch,
    raw
      ? `topic "${def.template}" is typed; broadcastRaw is only for raw topics`
      : `topic "${def.template}" is raw; publish it with broadcastRaw`,
    {
      topic,
      event,
      hint: raw
        ? 'use broadcast(topic, event, payload)'
        : 'use broadcastRaw(topic, event, payload)',
    },
  );
}

/** Throws a ValidationError listing the issues when the payload does not match its schema. */
export function checkPayload(
  validator: Validator,
  resolved: ResolvedTopic,
  entry: EventEntry,
  topic: string,
  payload: unknown,
): void {
  if (validator.check(payload)) return;
  const issues = validator.errors(payload);
  const { key } = resolved.entry;
  const event = entry.name;
  throw new ValidationError(
    ErrorCode.InvalidPayload,
    `payload of ${key}.${event} on "${topic}" is invalid: ${describeIssues(issues)}`,
    issues,
    {
      topic,
      event,
      hint: `check the payload against ${key}.${event}@${entry.def.version} in the registry`,
    },
  );
}

/** The validator of an event: the precompiled one when the bus has it, else the registry's. */
export function validatorFor(ctx: BusContext, topicKey: string, entry: EventEntry): Validator {
  let validator = ctx.validators.get(entry);
  if (!validator) {
    const check = ctx.options.validators?.[`${topicKey}.${entry.name}@${entry.def.version}`];
    validator = check ? createValidator(entry.def.schema, check) : entry.validator;
    ctx.validators.set(entry, validator);
  }
  return validator;
}

/** Checks a raw event name; remembers it (bounded: names are few; a flood is re-checked). */
export function rawEventName(ctx: BusContext, event: unknown): boolean {
  if (typeof event !== 'string' || !RAW_EVENT.test(event)) return false;
  if (ctx.rawEvents.size < 1024) ctx.rawEvents.add(event);
  return true;
}

/** A raw event name that is not an identifier. */
export function unknownRawEvent(topic: string, event: unknown): HeraldError {
  return new HeraldError(
    ErrorCode.UnknownEvent,
    `raw event name "${String(event)}" is not an identifier`,
    { topic, hint: 'use a name such as "updated"' },
  );
}

/** A publish of a draft version on a bus that did not opt in to drafts. */
export function draftRefused(
  topic: string,
  key: string,
  event: string,
  version: number,
): ConfigError {
  return new ConfigError(
    `${key}.${event}@${version} is a draft: this bus does not publish drafts`,
    {
      topic,
      event,
      hint: 'createBus({ drafts: true }) on development nodes, or release the version by removing draft: true',
    },
  );
}
