/**
 * Publish plans: what a publish on one concrete topic and event learns from the registry and the
 * bus's validators, kept per bus so that the next publish on that topic and event does one Map
 * look-up (its topic) where it did three (the registry's resolve, the event's entry, the
 * validator). A plan holds only facts that never change over a bus's life: the resolved topic, the
 * event's registry entry and its validator (a bus's validators are chosen once per entry,
 * checks.ts), and the template a mirroring transport is sent. Everything that can change (the
 * bus's state, drafts, version announcement, subscriptions, transport, instrumentation, key
 * scopes) is still checked on every publish, by publish.ts, in the same order as without a plan.
 */
import type { EventEntry, ResolvedTopic } from '../schemas/define.js';
import type { Validator } from '../schemas/validator.js';
import {
  checkRaw,
  eventEntry,
  rawEventName,
  resolveTopic,
  unknownRawEvent,
  validatorFor,
} from './checks.js';
import type { BusContext } from './context.js';
import { mirrorTemplate } from './templates.js';

/** The most topics whose plans a bus keeps (beyond them a publish plans afresh every time). */
export const PLANNED_TOPICS = 1024;

/** The most event plans a topic keeps besides its last (a raw topic's names are the caller's). */
export const PLANNED_EVENTS = 64;

/** One event of a planned topic: its registry entry and validator (none on a raw topic). */
export interface EventPlan {
  /** Its topic's plan. */
  readonly of: TopicPlan;
  readonly event: string;
  readonly entry: EventEntry | undefined;
  readonly validator: Validator | undefined;
}

/** The plan of one concrete topic: its last event's plan in hand, the others by name. */
export interface TopicPlan {
  readonly resolved: ResolvedTopic;
  readonly raw: boolean;
  /** The template a mirroring transport is sent with the message (templates.ts). */
  readonly template: string | undefined;
  last: EventPlan | undefined;
  others: Map<string, EventPlan> | undefined;
}

/**
 * The plan of `event` on `topic`, checked as publish.ts checked it without plans: the topic is in
 * the registry, raw published raw and typed typed, the event known (or, raw, an identifier).
 * Throws the same typed errors, in the same order.
 */
export function planOf(ctx: BusContext, topic: string, event: string, raw: boolean): EventPlan {
  const plan = ctx.plans.get(topic) ?? topicPlan(ctx, topic);
  if (plan.raw !== raw) checkRaw(plan.resolved, topic, event, raw);
  const last = plan.last;
  if (last !== undefined && last.event === event) return last;
  const known = plan.others?.get(event);
  if (known !== undefined) {
    plan.last = known;
    return known;
  }
  const made = eventPlan(ctx, plan, topic, event);
  const previous = plan.last;
  if (previous !== undefined) {
    const others = (plan.others ??= new Map());
    if (others.size < PLANNED_EVENTS) others.set(previous.event, previous);
  }
  plan.last = made;
  return made;
}

/** Plans a topic (throws UnknownTopic); kept while the bus keeps fewer than PLANNED_TOPICS. */
function topicPlan(ctx: BusContext, topic: string): TopicPlan {
  const resolved = resolveTopic(ctx, topic);
  const plan: TopicPlan = {
    resolved,
    raw: resolved.entry.def.raw,
    template: mirrorTemplate(resolved),
    last: undefined,
    others: undefined,
  };
  if (ctx.plans.size < PLANNED_TOPICS) ctx.plans.set(topic, plan);
  return plan;
}

/** Plans one event of a topic: throws UnknownEvent for an unknown (or, raw, a malformed) name. */
function eventPlan(ctx: BusContext, plan: TopicPlan, topic: string, event: string): EventPlan {
  if (plan.raw) {
    if (!rawEventName(ctx, event)) throw unknownRawEvent(topic, event);
    return { of: plan, event, entry: undefined, validator: undefined };
  }
  const entry = eventEntry(plan.resolved, event);
  const validator = validatorFor(ctx, plan.resolved.entry.key, entry);
  return { of: plan, event, entry, validator };
}
