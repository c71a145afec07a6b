/**
 * The local subscription table: which subscriptions hold which topic, and local dispatch.
 * Dispatch hands a message to each matching subscription's bounded queue; it never touches the
 * transport. Subscription lists are copy-on-write, so subscribing or unsubscribing from inside a
 * handler never disturbs a dispatch in progress.
 *
 * The lane: one topic's messages of a tick, kept once for all its subscriptions, and run in one
 * microtask, message by message, handler by handler (as EventEmitter runs listeners, but after
 * the publish returned). A subscription takes messages from the lane while its own queue is idle
 * and plain (src/bus/queue.ts); its lane backlog is counted, and handed to its queue (`adopt`)
 * before it would reach the slow mark or the limit, or as soon as its handler returns a promise.
 * From then until the lane has run, its messages go through its queue. So each subscription still
 * gets its messages in order, one handler at a time, with the same bound, overflow policy and slow
 * signal; 1000 subscriptions of one topic no longer cost 1000 queue entries per message.
 */
import type { ResolvedTopic } from '../schemas/define.js';
import type { SubscriptionCounts } from './helpers/options.js';
import type { DirectRun } from './hooks.js';
import { type Lane, leave, newLane, runLane } from './lane.js';
import { schedule } from './microtask.js';
import type { DeliveryQueue } from './queue.js';
import type { Gap, Message, Subscriber, Subscription } from './types.js';

/**
 * Internal state of one subscription. A class, not an object literal with getters: such literals
 * end up in dictionary mode in V8, and dispatch reads these fields once per delivery.
 */
export class SubState implements Subscription {
  active = true;
  /**
   * The lane round this subscription is in (0: none). Set to 0 when it leaves the lane (its
   * backlog went to its queue) or is removed; it joins again only while its queue is idle.
   */
  laneRound = 0;
  /** The lane index of its first message in that round. */
  laneFrom = 0;
  /** Its messages waiting in the lane. */
  laneCount = 0;
  /** The backlog a lane may hold for it: its queue's `laneRoom`, 0 when its queue is not plain. */
  laneRoom = 0;
  /** Messages the lane gave it (its queue's `received` counts the rest). */
  laneReceived = 0;
  /** Its queue's handler hook, which the lane calls when it cannot run the handler itself. */
  run: (message: Message) => void | Promise<void> = noRun;
  /** Its handler as the lane runs it while instrumentation is idle (hooks.ts); unset: `run`. */
  direct: DirectRun | undefined = undefined;
  /** Set once, right after construction: the queue's hooks need the subscription. */
  queue!: DeliveryQueue<Message>;
  /** Its consumer group (groups.ts), set right after construction; undefined for a plain one. */
  group: string | undefined = undefined;

  constructor(
    readonly id: number,
    readonly topic: string,
    readonly events: ReadonlySet<string> | undefined,
    readonly holder: SubscriberState | undefined,
    readonly onGap: ((gap: Gap) => void) | undefined,
    /** Told when the bus removes the subscription, with the error that removed it if any. */
    readonly ended: ((error?: unknown) => void) | undefined,
    private readonly countsOf: (queue: DeliveryQueue<Message>) => SubscriptionCounts,
    private readonly remove: (sub: SubState) => Promise<void>,
  ) {}

  get dropped(): number {
    return this.queue.dropped;
  }

  /** Its queue's backlog, and its messages waiting in the topic's lane. */
  get pending(): number {
    return this.queue.pending + this.laneCount;
  }

  get slow(): boolean {
    return this.queue.slow;
  }

  get counts(): SubscriptionCounts {
    const counts = this.countsOf(this.queue);
    return { ...counts, received: counts.received + this.laneReceived };
  }

  unsubscribe(): Promise<void> {
    return this.remove(this);
  }

  /**
   * Closes it: no more deliveries, out of its lane, its queue closed, its holder and its stream
   * told. Returns false when it was already closed. The one teardown of an unsubscribe and of
   * the bus's stop (subscribe.ts, lifecycle.ts); the table itself is the caller's to update.
   */
  close(error?: unknown): boolean {
    if (!this.active) return false;
    this.active = false;
    this.laneRound = 0;
    this.laneCount = 0;
    this.queue.close();
    this.holder?.held.delete(this);
    this.ended?.(error);
    return true;
  }
}

/** Internal state of a named subscriber. */
export interface SubscriberState extends Subscriber {
  readonly held: Set<SubState>;
}

const noRun = (): void => undefined;

/** Local subscriptions of one concrete topic. */
export interface TopicState {
  readonly topic: string;
  readonly resolved: ResolvedTopic;
  subs: readonly SubState[];
  readonly lane: Lane;
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
    const created: TopicState = { topic: resolved.topic, resolved, subs: [sub], lane: newLane() };
    created.lane.run = () => runLane(created);
    this.#topics.set(resolved.topic, created);
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

  /** Hands a message to every matching subscription; returns how many took it. */
  dispatch(state: TopicState, message: Message, exclude?: SubscriberState): number {
    let delivered = 0;
    const subs = state.subs;
    const lane = state.lane;
    const round = lane.round;
    const index = lane.size;
    const event = message.event;
    let laned = false;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      if (exclude !== undefined && sub.holder === exclude) continue;
      if (sub.events !== undefined && !sub.events.has(event)) continue;
      if (sub.laneRound === round) {
        if (sub.laneCount < sub.laneRoom) {
          sub.laneCount++;
          sub.laneReceived++;
          laned = true;
          delivered++;
          continue;
        }
        leave(state, sub);
      } else if (sub.laneRoom > 0 && sub.queue.idle) {
        sub.laneRound = round;
        sub.laneFrom = index;
        sub.laneCount = 1;
        sub.laneReceived++;
        laned = true;
        delivered++;
        continue;
      }
      if (sub.queue.push(message)) delivered++;
    }
    if (laned) {
      lane.messages[index] = message;
      lane.subs[index] = subs;
      lane.excluded[index] = exclude;
      lane.size = index + 1;
      if (!lane.scheduled) {
        lane.scheduled = true;
        schedule(lane.run);
      }
    }
    return delivered;
  }
}
