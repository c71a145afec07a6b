/**
 * A minimal SSE reader for the gateway tests: fetches a stream and parses its events
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 */

/** One parsed event. */
export interface SseEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/** An open stream: its response, the events so far, and a way to wait for more. */
export interface SseStream {
  readonly response: Response;
  readonly events: SseEvent[];
  /** Waits until `match` holds for `count` events; returns them. */
  waitFor(match: (event: SseEvent) => boolean, count?: number, ms?: number): Promise<SseEvent[]>;
  close(): void;
}

/** Opens `url` as an event stream (any status: a refusal's body is in `response`). */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  if (response.ok && response.body !== null) void pump(response.body, events).catch(() => {});
  return {
    response,
    events,
    async waitFor(match, count = 1, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = events.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `waited for ${count} event(s), got ${found.length}: ${JSON.stringify(events)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => abort.abort(),
  };
}

async function pump(body: ReadableStream<Uint8Array>, events: SseEvent[]): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let id: string | undefined;
  let data: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (line === '') {
        if (data.length > 0) events.push({ event: event || 'message', id, data: data.join('\n') });
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  }
}
