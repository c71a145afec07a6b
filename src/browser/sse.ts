/**
 * An incremental parser of the `text/event-stream` format
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * bytes in, events out. It keeps at most one unfinished line and one unfinished event, and
 * refuses a line longer than `maxLine` (a hostile or broken server cannot grow it without end).
 */

/** One event of the stream. */
export interface SseEvent {
  /** `message` unless the event named another type. */
  readonly event: string;
  readonly data: string;
  /** The event's id, when it carried one. */
  readonly id: string | undefined;
}

/** Parses chunks of an event stream. */
export class SseParser {
  readonly #decoder = new TextDecoder();
  readonly #maxLine: number;
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  /** The retry delay the server asked for, in ms. */
  retry: number | undefined;

  constructor(maxLine = 1 << 20) {
    this.#maxLine = maxLine;
  }

  /** Feeds a chunk; returns the events it completed. Throws on a line over the limit. */
  push(chunk: Uint8Array): SseEvent[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const end = this.#lineEnd(start);
      if (end < 0) break;
      this.#line(this.#buffer.slice(start, end), events);
      start = end + (this.#buffer[end] === '\r' && this.#buffer[end + 1] === '\n' ? 2 : 1);
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > this.#maxLine) throw new Error('event stream line too long');
    return events;
  }

  #lineEnd(from: number): number {
    const n = this.#buffer.indexOf('\n', from);
    const r = this.#buffer.indexOf('\r', from);
    // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
    if (r >= 0 && (n < 0 || r < n)) return r === this.#buffer.length - 1 ? -1 : r;
    return n;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) {
        events.push({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id });
      }
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' — a comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }
}
