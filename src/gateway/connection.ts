/**
 * One page's SSE connection: a byte sink (a node:http response or a web ReadableStream) behind
 * a bounded queue. Frames go straight to the sink while it accepts them; once it pushes back
 * they wait, at most `limit` of them. Past that the page is too slow: the waiting frames are
 * dropped and, when the sink drains, the page gets one `gap` per topic it lost, so it resyncs.
 * A slow page therefore costs at most `limit` frames of memory and never stalls the bus.
 */
import { namedFrame } from './frames.js';

/** Where a connection's bytes go. */
export interface SseSink {
  /** Writes a chunk; false when the sink is full (it still keeps the chunk). */
  write(chunk: Uint8Array): boolean;
  /** Calls `listener` once, the next time a full sink drains. */
  onDrain(listener: () => void): void;
  /** Ends the stream. */
  end(): void;
}

/** What the gateway needs from a connection. */
export interface ConnectionHooks {
  /** Events dropped for a slow page: the gap events that replace them. */
  overflow(topics: readonly string[]): void;
  delivered(): void;
}

/** A page's connection. */
export class Connection {
  readonly id: string;
  readonly identity: string;
  readonly topics: readonly string[];
  readonly #sink: SseSink;
  readonly #limit: number;
  readonly #hooks: ConnectionHooks;
  #waiting: { readonly topic: string | undefined; readonly frame: Uint8Array }[] = [];
  /** Topics whose frames were dropped since the sink last drained (made on the first loss). */
  #lostTopics: Set<string> | undefined;
  #full = false;
  #lost = false;
  #open = true;

  constructor(
    id: string,
    identity: string,
    topics: readonly string[],
    sink: SseSink,
    limit: number,
    hooks: ConnectionHooks,
  ) {
    this.id = id;
    this.identity = identity;
    this.topics = topics;
    this.#sink = sink;
    this.#limit = limit;
    this.#hooks = hooks;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Frames waiting for a slow page. */
  get pending(): number {
    return this.#waiting.length;
  }

  /** Sends a message frame of `topic`; queued, or dropped for a gap, when the page is slow. */
  send(topic: string, frame: Uint8Array): void {
    if (!this.#open) return;
    if (!this.#full) {
      this.#hooks.delivered();
      if (!this.#sink.write(frame)) this.#wait();
      return;
    }
    if (this.#lost) {
      this.#lostTopics!.add(topic);
      return;
    }
    if (this.#waiting.length >= this.#limit) {
      // Too slow: drop the waiting messages (control frames stay, in order) for one gap each.
      const lost = (this.#lostTopics ??= new Set());
      for (const waiting of this.#waiting) {
        if (waiting.topic !== undefined) lost.add(waiting.topic);
      }
      lost.add(topic);
      this.#waiting = this.#waiting.filter((waiting) => waiting.topic === undefined);
      this.#lost = true;
      return;
    }
    this.#waiting.push({ topic, frame });
  }

  /** Writes a control frame (ready, gap, presence error): in order, never dropped. */
  control(frame: Uint8Array): void {
    if (!this.#open) return;
    if (this.#full) this.#waiting.push({ topic: undefined, frame });
    else if (!this.#sink.write(frame)) this.#wait();
  }

  /** Writes a heartbeat comment, unless the page is already behind (it has bytes to read). */
  heartbeat(frame: Uint8Array): void {
    if (this.#open && !this.#full && !this.#sink.write(frame)) this.#wait();
  }

  /** Ends the stream. Idempotent. */
  end(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#waiting = [];
    this.#sink.end();
  }

  /** Marks the connection closed by the page (its socket is gone). */
  closed(): void {
    this.#open = false;
    this.#waiting = [];
  }

  #wait(): void {
    this.#full = true;
    this.#sink.onDrain(() => this.#drain());
  }

  #drain(): void {
    if (!this.#open) return;
    this.#full = false;
    const frames = this.#waiting;
    this.#waiting = [];
    for (let i = 0; i < frames.length; i++) {
      const { topic, frame } = frames[i]!;
      if (topic !== undefined) this.#hooks.delivered();
      if (!this.#sink.write(frame)) {
        // Still full: the rest waits again, in order.
        this.#waiting = frames.slice(i + 1);
        this.#wait();
        return;
      }
    }
    if (this.#lost) {
      const topics = [...this.#lostTopics!];
      this.#lost = false;
      this.#lostTopics = undefined;
      this.#hooks.overflow(topics);
      for (const topic of topics) this.control(namedFrame('gap', { topic, reason: 'overflow' }));
    }
  }
}
