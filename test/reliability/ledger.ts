/**
 * The books of one publisher as seen by one receiver: every message, by its per-publisher sequence
 * number, ends in exactly one column.
 *
 * - delivered: a handler saw it (a second handler call for the same number is a duplicate);
 * - rejected on receive: the receiving bus refused it with a reason (and no handler saw it);
 * - rejected at publish: `broadcast` rejected with a TransportError (and no handler saw it);
 * - in a gap: the publish overlaps a gap the receiver was told about (`[gap.from, gap.to]`), or
 *   does so within {@link SLACK_MS} (counted apart, as `inGapSlack`);
 * - unexplained: none of these. The scenario may explain them by an overflow policy whose drops
 *   the bus counted exactly; whatever is left is a silent drop.
 *
 * Memory is bounded: entries live in a ring sized for the publish rate, and a message is classified
 * when the ring wraps over it (by then its gap, if any, has long been signalled) or at `finish()`.
 */
import type { Gap } from '../../src/index.js';
import { SLACK_MS } from './profile.js';

const EMPTY = 0;
const PENDING = 1;
const TAKEN = 2;
const REFUSED = 3;

/** The classified counts of one publisher → receiver pair. */
export interface Books {
  readonly sent: number;
  readonly delivered: number;
  readonly rejectedAtPublish: number;
  readonly rejectedOnReceive: number;
  /** Receive-side rejections by reason. */
  readonly rejectReasons: Readonly<Record<string, number>>;
  /** Inside a signalled gap. */
  readonly inGap: number;
  /** Outside every gap, but within SLACK_MS of one (included in neither `inGap` nor `unexplained`). */
  readonly inGapSlack: number;
  /** Neither delivered, rejected, nor in a gap. */
  readonly unexplained: number;
  /** Up to 20 unexplained sequence numbers, for the report. */
  readonly unexplainedSample: readonly number[];
  /** Up to 5 messages that needed the slack: how far outside the nearest gap they lay. */
  readonly slackSample: readonly SlackCase[];
  /** Extra handler calls for a number already delivered. */
  readonly duplicates: number;
  /** Second copies the receiving bus refused by id (its replay window): never reached a handler. */
  readonly duplicatesRemoved: number;
  /** Delivered after a later number (allowed; reported). */
  readonly reordered: number;
  /** The furthest a delivery lagged behind the highest number delivered before it. */
  readonly maxReorder: number;
  /** Publishes that never settled (neither resolved nor rejected). */
  readonly unsettled: number;
  /** Deliveries or settlements older than the ring: the books could not place them. */
  readonly late: number;
}

/** A message that lay outside every gap, within SLACK_MS of one. */
export interface SlackCase {
  readonly seq: number;
  /** Its publish started this long after the gap's end (negative: ended before its start). */
  readonly outsideMs: number;
  readonly gap: { readonly from: number; readonly to: number; readonly reason: string };
}

/** The counts every classified message adds to. */
interface Tally {
  sent: number;
  delivered: number;
  rejectedAtPublish: number;
  rejectedOnReceive: number;
  rejectReasons: Record<string, number>;
  inGap: number;
  inGapSlack: number;
  unexplained: number;
  unexplainedSample: number[];
  slackSample: SlackCase[];
  duplicates: number;
  duplicatesRemoved: number;
  reordered: number;
  maxReorder: number;
  unsettled: number;
  late: number;
}

/** The books of one publisher (by node id) at one receiver. */
export class Ledger {
  readonly #mask: number;
  readonly #seq: Float64Array;
  readonly #start: Float64Array;
  readonly #end: Float64Array;
  readonly #state: Uint8Array;
  readonly #deliveries: Uint8Array;
  readonly #refusal: Uint8Array;
  readonly #replays: Uint8Array;
  readonly #reasons: string[] = [''];
  #highest = 0;
  #lastDelivered = 0;
  #tailFrom = Number.POSITIVE_INFINITY;
  #tailDelivered = 0;
  readonly #t: Tally = {
    sent: 0,
    delivered: 0,
    rejectedAtPublish: 0,
    rejectedOnReceive: 0,
    rejectReasons: {},
    inGap: 0,
    inGapSlack: 0,
    unexplained: 0,
    unexplainedSample: [],
    slackSample: [],
    duplicates: 0,
    duplicatesRemoved: 0,
    reordered: 0,
    maxReorder: 0,
    unsettled: 0,
    late: 0,
  };

  /**
   * @param node the publisher's node id
   * @param gaps the receiver's gaps, appended to as they are signalled
   * @param window how many recent messages to keep open (rounded up to a power of two); size it
   *   for at least 30 s of traffic, or the whole run when gaps arrive only at the end
   */
  constructor(
    readonly node: string,
    private readonly gaps: readonly Gap[],
    window: number,
  ) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(1024, window)));
    this.#mask = size - 1;
    // Allocated and touched now, so the books do not grow the RSS a soak measures.
    this.#seq = new Float64Array(size).fill(0);
    this.#start = new Float64Array(size).fill(0);
    this.#end = new Float64Array(size).fill(0);
    this.#state = new Uint8Array(size).fill(EMPTY);
    this.#deliveries = new Uint8Array(size).fill(0);
    this.#refusal = new Uint8Array(size).fill(0);
    this.#replays = new Uint8Array(size).fill(0);
  }

  /** The highest sequence number published so far. */
  get highest(): number {
    return this.#highest;
  }

  /** Starts counting the messages from `seq` on that reach a handler (see `tail`). */
  watchTail(seq: number): void {
    this.#tailFrom = seq;
    this.#tailDelivered = 0;
  }

  /** Messages numbered from the `watchTail` mark on: how many were published, how many arrived. */
  get tail(): { readonly published: number; readonly delivered: number } {
    const published = Math.max(0, this.#highest - this.#tailFrom + 1);
    return { published, delivered: this.#tailDelivered };
  }

  /** When the publish of `seq` started and settled, while the ring still holds it. */
  publishedAt(seq: number): { readonly start: number; readonly end: number } | undefined {
    const i = seq & this.#mask;
    if (seq <= 0 || this.#seq[i] !== seq) return undefined;
    return { start: this.#start[i]!, end: this.#end[i]! };
  }

  /** A publish of `seq` starts; numbers must come in order 1, 2, 3, ... */
  begin(seq: number, at: number): void {
    if (seq !== this.#highest + 1) {
      throw new Error(`ledger ${this.node}: publish ${seq} after ${this.#highest}`);
    }
    const i = seq & this.#mask;
    if (this.#state[i] !== EMPTY) this.#classify(i);
    this.#highest = seq;
    this.#seq[i] = seq;
    this.#start[i] = at;
    this.#end[i] = at;
    this.#state[i] = PENDING;
    this.#deliveries[i] = 0;
    this.#refusal[i] = 0;
    this.#replays[i] = 0;
    this.#t.sent++;
  }

  /** The publish of `seq` settled: taken by the transport (`ok`) or rejected with a TransportError. */
  settle(seq: number, at: number, ok: boolean): void {
    const i = this.#slot(seq);
    if (i === undefined) {
      this.#t.late++;
      return;
    }
    this.#end[i] = at;
    this.#state[i] = ok ? TAKEN : REFUSED;
  }

  /** A handler received `seq`. */
  delivered(seq: number): void {
    if (seq < this.#lastDelivered) {
      this.#t.reordered++;
      this.#t.maxReorder = Math.max(this.#t.maxReorder, this.#lastDelivered - seq);
    } else this.#lastDelivered = seq;
    const i = this.#slot(seq);
    if (i === undefined) {
      this.#t.late++;
      return;
    }
    if (this.#deliveries[i] === 0 && seq >= this.#tailFrom) this.#tailDelivered++;
    if (this.#deliveries[i]! < 255) this.#deliveries[i]!++;
  }

  /**
   * The receiving bus refused `seq` with `reason`. A `replay` refusal of a message that was (or is
   * about to be: handlers run a microtask later) delivered is a removed duplicate.
   */
  refused(seq: number, reason: string): void {
    const i = this.#slot(seq);
    if (i === undefined) {
      this.#t.late++;
      return;
    }
    if (reason === 'replay') {
      if (this.#replays[i]! < 255) this.#replays[i]!++;
      return;
    }
    let code = this.#reasons.indexOf(reason);
    if (code < 0) code = this.#reasons.push(reason) - 1;
    this.#refusal[i] = code;
  }

  /** Classifies every open message and returns the books. Call once, after the traffic drained. */
  finish(): Books {
    for (let i = 0; i <= this.#mask; i++) if (this.#state[i] !== EMPTY) this.#classify(i);
    const t = this.#t;
    return {
      ...t,
      rejectReasons: { ...t.rejectReasons },
      unexplainedSample: [...t.unexplainedSample],
      slackSample: [...t.slackSample],
    };
  }

  #slot(seq: number): number | undefined {
    if (seq <= 0 || seq > this.#highest || seq <= this.#highest - this.#mask - 1) return undefined;
    const i = seq & this.#mask;
    return this.#seq[i] === seq && this.#state[i] !== EMPTY ? i : undefined;
  }

  #classify(i: number): void {
    const t = this.#t;
    const deliveries = this.#deliveries[i]!;
    const state = this.#state[i]!;
    this.#state[i] = EMPTY;
    if (deliveries > 0) {
      t.delivered++;
      t.duplicates += deliveries - 1;
      t.duplicatesRemoved += this.#replays[i]!;
    } else if (this.#refusal[i]! > 0 || this.#replays[i]! > 0) {
      const reason = this.#refusal[i]! > 0 ? this.#reasons[this.#refusal[i]!]! : 'replay';
      t.rejectedOnReceive++;
      t.rejectReasons[reason] = (t.rejectReasons[reason] ?? 0) + 1;
    } else if (state === REFUSED) {
      t.rejectedAtPublish++;
    } else if (state === PENDING) {
      t.unsettled++;
    } else {
      const start = this.#start[i]!;
      const end = this.#end[i]!;
      const near = (g: Gap): boolean => g.from - SLACK_MS <= end && start <= g.to + SLACK_MS;
      if (this.gaps.some((g) => g.from <= end && start <= g.to)) t.inGap++;
      else if (this.gaps.some(near)) {
        t.inGapSlack++;
        const g = this.gaps.find(near)!;
        if (t.slackSample.length < 5) {
          t.slackSample.push({
            seq: this.#seq[i]!,
            outsideMs: start > g.to ? start - g.to : end - g.from,
            gap: { from: g.from, to: g.to, reason: g.reason },
          });
        }
      } else {
        t.unexplained++;
        if (t.unexplainedSample.length < 20) t.unexplainedSample.push(this.#seq[i]!);
      }
    }
  }
}

/** Extracts `<node>` and `<seq>` from a rejection detail (`message <node>:<epoch>:<seq> ...`). */
export function rejectedId(detail: string): { node: string; seq: number } | undefined {
  const match = /message ([A-Za-z0-9_.-]+):([0-9a-f]+):(\d+)/.exec(detail);
  if (!match) return undefined;
  return { node: match[1]!, seq: Number(match[3]) };
}
