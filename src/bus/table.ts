/**
 * The local subscription table: which subscriptions hold which topic, and local dispatch.
 * Dispatch pushes a message into each matching subscription's bounded queue; it never touches the
 * transport. Subscription lists are copy-on-write, so subscribing or unsubscribing from inside a
 * handler never disturbs a dispatch in progress.
 */
import type { ResolvedTopic } from '../schemas/define.js';
import type { DeliveryQueue } from './queue.js';
import type { Gap, Message, Subscriber, Subscription } from './types.js';

/** Internal state of one subscription. */
export interface SubState extends Subscription {
  readonly events: ReadonlySet<string> | undefined;
  readonly queue: DeliveryQueue<Message>;
  readonly holder: SubscriberState | undefined;
  readonly onGap: ((gap: Gap) => void) | undefined;
  /** Told when the bus removes the subscription, with the error that removed it if any. */
  readonly ended: ((error?: unknown) => void) | undefined;
  active: boolean;
}

/** Internal state of a named subscriber. */
export interface SubscriberState extends Subscriber {
  readonly held: Set<SubState>;
}

/** Local subscriptions of one concrete topic. */
export interface TopicState {
  readonly topic: string;
  readonly resolved: ResolvedTopic;
  subs: readonly SubState[];
}

/** The table. */
export class SubscriptionTable {
  readonly #topics = new Map<string, TopicState>();

  get(topic: string): TopicState | undefined {
    return this.#topics.get(topic);
  }

  /** Adds a subscription; true when it is the topic's first (the channel needs a server subscription). */
  add(resolved: ResolvedTopic, sub: SubState): boolean {
    const state = this.#topics.get(resolved.topic);
    if (state) {
      state.subs = [...state.subs, sub];
      return false;
    }
    this.#topics.set(resolved.topic, { topic: resolved.topic, resolved, subs: [sub] });
    return true;
  }

  /** Removes a subscription; true when it was the topic's last. */
  remove(sub: SubState): boolean {
    const state = this.#topics.get(sub.topic);
    if (!state) return false;
    state.subs = state.subs.filter((s) => s !== sub);
    if (state.subs.length > 0) return false;
    this.#topics.delete(sub.topic);
    return true;
  }

  count(topic: string): number {
    return this.#topics.get(topic)?.subs.length ?? 0;
  }

  topics(): string[] {
    return [...this.#topics.keys()];
  }

  all(): SubState[] {
    const out: SubState[] = [];
    for (const state of this.#topics.values()) out.push(...state.subs);
    return out;
  }

  clear(): void {
    this.#topics.clear();
  }

  /** Queues a message for every matching subscription; returns how many took it. */
  dispatch(state: TopicState, message: Message, exclude?: SubscriberState): number {
    let delivered = 0;
    const subs = state.subs;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      if (exclude !== undefined && sub.holder === exclude) continue;
      if (sub.events !== undefined && !sub.events.has(message.event)) continue;
      if (sub.queue.push(message)) delivered++;
    }
    return delivered;
  }
}
