/**
 * The resume buffer of one topic: the last `capacity` frames with their gateway sequence
 * numbers, in a fixed array (no allocation per event once full). `floor` is the newest sequence
 * number the buffer can no longer vouch for: a page whose last event is older than it missed
 * something (an evicted frame, a transport gap, or the time before the topic was followed).
 */

/** One buffered frame. */
export interface Buffered {
  readonly seq: number;
  readonly frame: Uint8Array;
}

/** A bounded ring of frames. */
export class ResumeRing {
  readonly #slots: (Buffered | undefined)[];
  #next = 0;
  #size = 0;
  #floor: number;

  /** `floor`: the gateway's sequence number when the topic started being followed. */
  constructor(capacity: number, floor: number) {
    this.#slots = new Array<Buffered | undefined>(capacity);
    this.#floor = floor;
  }

  /** Adds a frame, evicting the oldest when full. */
  push(seq: number, frame: Uint8Array): void {
    const capacity = this.#slots.length;
    if (capacity === 0) {
      this.#floor = seq;
      return;
    }
    const evicted = this.#slots[this.#next];
    if (evicted !== undefined) this.#floor = evicted.seq;
    this.#slots[this.#next] = { seq, frame };
    this.#next = (this.#next + 1) % capacity;
    if (this.#size < capacity) this.#size++;
  }

  /** Messages may have been lost up to `seq` (a transport gap): nothing older can be resumed. */
  lose(seq: number): void {
    if (seq > this.#floor) this.#floor = seq;
  }

  /** The frames after `seq`, oldest first; undefined when some may be missing (a gap). */
  since(seq: number): Buffered[] | undefined {
    if (seq < this.#floor) return undefined;
    const out: Buffered[] = [];
    const capacity = this.#slots.length;
    for (let i = 0; i < this.#size; i++) {
      const slot = this.#slots[(this.#next - this.#size + i + capacity) % capacity]!;
      if (slot.seq > seq) out.push(slot);
    }
    return out;
  }
}
