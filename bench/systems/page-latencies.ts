/**
 * Publish → page latency of a fixed-rate run over pages spread on topics: every page subscribed
 * to a message's topic is timed for that message, from the message's scheduled publish time.
 */
import { performance } from 'node:perf_hooks';

/**
 * Latencies of every page reached by every message of a run: `perMessage` samples per message
 * (the pages on its topic). A message counts as delivered once the last of those pages has it.
 */
export class PageLatencies {
  readonly #perMessage: number;
  #sent = new Float64Array(0);
  #latency = new Float64Array(0);
  #reached = new Uint32Array(0);

  /** `perMessage`: how many pages each message reaches. */
  constructor(perMessage: number) {
    this.#perMessage = perMessage;
  }

  /** Resets for a run of `n` messages (untimed). */
  reset(n: number): void {
    if (this.#sent.length !== n) {
      this.#sent = new Float64Array(n);
      this.#latency = new Float64Array(n * this.#perMessage);
      this.#reached = new Uint32Array(n);
    }
    this.#latency.fill(Number.NaN);
    this.#reached.fill(0);
  }

  /** Records the publish of message `i` (when it was scheduled). */
  sent(i: number, at: number = performance.now()): void {
    this.#sent[i] = at;
  }

  /**
   * The page in slot `slot` of message `i`'s topic received it; true when it was the last page
   * to. Throws on a second receipt by the same page.
   */
  received(slot: number, i: number): boolean {
    const at = i * this.#perMessage + slot;
    if (!Number.isNaN(this.#latency[at]!)) {
      throw new Error(`page slot ${slot} received message ${i} twice`);
    }
    this.#latency[at] = performance.now() - this.#sent[i]!;
    return ++this.#reached[i]! === this.#perMessage;
  }

  /** Every sample of the run, in ms; throws if a page missed a message. */
  result(): Float64Array {
    const missing = this.#latency.findIndex(Number.isNaN);
    if (missing >= 0) {
      const slot = missing % this.#perMessage;
      throw new Error(
        `page slot ${slot} has no delivery time for message ${(missing - slot) / this.#perMessage}`,
      );
    }
    return this.#latency.slice();
  }
}
