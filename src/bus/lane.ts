/**
 * The topic lane of src/bus/table.ts (its file comment says what a lane is): one topic's messages
 * of a tick, run in one microtask, message by message, handler by handler, and a subscription's
 * lane backlog handed to its queue when it leaves the lane.
 */
import { recording } from './instrumentation.js';
import type { SubState, SubscriberState, TopicState } from './table.js';
import type { Message } from './types.js';

/** The most messages whose room a lane keeps after a round (a larger burst's is let go). */
const LANE_KEPT = 4096;

/** One topic's messages of a tick, run for all its lane subscriptions in one microtask. */
export interface Lane {
  /** Starts at 1; a subscription whose `laneRound` differs is not in this round. */
  round: number;
  scheduled: boolean;
  /**
   * Messages in this round. The three arrays below keep their backing stores between rounds (a
   * round clears its entries, it does not truncate): a burst then grows no array again.
   */
  size: number;
  readonly messages: (Message | undefined)[];
  /** Per message: the subscriptions of the topic when it was dispatched. */
  readonly subs: (readonly SubState[] | undefined)[];
  /** Per message: the subscriber excluded by `broadcastFrom`. */
  readonly excluded: (SubscriberState | undefined)[];
  /** Runs this lane's round (built once per topic: scheduling a round allocates no closure). */
  run: () => void;
}

/** A new lane's `run`, until its table sets it. */
const notYet = (): void => undefined;

/** A lane with no messages, at round 1. */
export function newLane(): Lane {
  return { round: 1, scheduled: false, size: 0, messages: [], subs: [], excluded: [], run: notYet };
}

/** Whether lane message `index` is one of `sub`'s (it joined before it, and the message matches). */
function takes(lane: Lane, sub: SubState, index: number): boolean {
  if (sub.laneRound !== lane.round || index < sub.laneFrom) return false;
  const exclude = lane.excluded[index];
  if (exclude !== undefined && sub.holder === exclude) return false;
  return sub.events === undefined || sub.events.has((lane.messages[index] as Message).event);
}

/** Moves a subscription's lane backlog (its newest `laneCount` messages) into its queue, in order. */
export function leave(state: TopicState, sub: SubState): void {
  const lane = state.lane;
  const backlog: Message[] = [];
  for (let i = lane.size - 1; i >= sub.laneFrom && backlog.length < sub.laneCount; i--) {
    if (takes(lane, sub, i)) backlog.push(lane.messages[i] as Message);
  }
  sub.laneRound = 0;
  sub.laneCount = 0;
  for (let i = backlog.length - 1; i >= 0; i--) sub.queue.adopt(backlog[i] as Message);
}

/** Runs a topic's lane: each message, in order, for each subscription that took it. */
export function runLane(state: TopicState): void {
  const lane = state.lane;
  const round = lane.round;
  const messages = lane.messages;
  // Whether instrumentation is idle, asked once per round (of the first direct subscription):
  // while it is, a plain subscription's handler runs here, without its hook.
  let bare: boolean | undefined;
  try {
    // Handlers may publish on this topic meanwhile: their messages join the end of this round.
    for (let index = 0; index < lane.size; index++) {
      const message = messages[index] as Message;
      const subs = lane.subs[index] as readonly SubState[];
      const exclude = lane.excluded[index];
      const event = message.event;
      for (let i = 0; i < subs.length; i++) {
        const sub = subs[i]!;
        // `takes`, inline: this loop runs once per delivery.
        if (sub.laneRound !== round || index < sub.laneFrom) continue;
        if (exclude !== undefined && sub.holder === exclude) continue;
        if (sub.events !== undefined && !sub.events.has(event)) continue;
        sub.laneCount--;
        let result: void | Promise<void>;
        try {
          const direct = sub.direct;
          if (
            direct !== undefined &&
            (bare ??= recording(direct.ctx.instrumentation) === undefined)
          ) {
            direct.ctx.counters.delivered++;
            direct.tally.calls++;
            direct.tally.handled++;
            result = direct.handler(message);
          } else {
            result = sub.run(message);
          }
        } catch (error) {
          sub.queue.failed(message, error);
          continue;
        }
        // A handler that returned a promise: the rest waits in its queue until it settles.
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
          sub.queue.track(result as Promise<void>, message);
          leave(state, sub);
        }
      }
    }
  } finally {
    lane.round++;
    lane.scheduled = false;
    clear(lane);
  }
}

/**
 * Ends a lane's round. Its arrays are cleared, not truncated: they keep their room for the next
 * burst (up to LANE_KEPT messages; a larger burst's is let go), and hold no message past its round.
 */
function clear(lane: Lane): void {
  const { size, messages, subs, excluded } = lane;
  lane.size = 0;
  if (size > LANE_KEPT) {
    messages.length = subs.length = excluded.length = 0;
    return;
  }
  for (let i = 0; i < size; i++) {
    messages[i] = undefined;
    subs[i] = undefined;
    excluded[i] = undefined;
  }
}
