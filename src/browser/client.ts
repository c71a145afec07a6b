/**
 * The browser client of the gateway: one SSE stream (read with `fetch`, so it can send headers
 * and read a refusal's JSON) carries every topic the page subscribes to. Subscribing or
 * unsubscribing reopens it on the next microtask with the id of the last event, so continuing
 * topics resume without loss and new ones (`fresh`) start live. A dropped stream reconnects with
 * backoff and resumes the same way; what the gateway cannot replay arrives as a gap.
 * No Node imports: it runs in browsers, workers, Deno, Bun and Node alike.
 */
import {
  type ClientStatus,
  type GatewayClientOptions,
  GatewayRefusal,
  type PageSubscribeOptions,
  type Refusal,
} from './options.js';
import type { PageGap, PageMessage, PageReady, PublishAnswer, RefusalBody } from './protocol.js';
import { type SseEvent, SseParser } from './sse.js';

/** A page's handler of one topic's messages. */
export type PageHandler<M extends PageMessage = PageMessage> = (message: M) => void;

/** What a presence subscriber receives (docs/presence.md): the state, then each diff. */
export interface PagePresenceEvent {
  readonly topic: string;
  readonly event: 'presence_state' | 'presence_diff';
  readonly payload: unknown;
}

interface Sub {
  readonly handler: PageHandler;
  readonly options: PageSubscribeOptions;
}

/** The client. */
export interface GatewayClient {
  /** Receives a concrete topic's messages; returns the function that stops it. */
  subscribe(topic: string, handler: PageHandler, options?: PageSubscribeOptions): () => void;
  /** Receives a presence topic's `presence_state` then each `presence_diff`. */
  presence(topic: string, handler: (event: PagePresenceEvent) => void): () => void;
  /** Publishes through the gateway; rejects with a GatewayRefusal. */
  publish(topic: string, event: string, payload: unknown): Promise<PublishAnswer>;
  readonly status: ClientStatus;
  /** The id of the last event received: where a reconnect resumes. */
  readonly lastEventId: string | undefined;
  /** Ends the stream and every subscription. */
  close(): void;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Runs a page's callback; what it throws is reported, never breaks the stream. */
function safely(run: () => void): void {
  try {
    run();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** Creates a client of the gateway at `options.url`. */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  return new Client(options);
}

class Client implements GatewayClient {
  readonly #o: GatewayClientOptions;
  readonly #subs = new Map<string, Set<Sub>>();
  readonly #presence = new Map<string, Set<(event: PagePresenceEvent) => void>>();
  /** Topics of the open stream, as its `ready` listed them. */
  #live = new Set<string>();
  #status: ClientStatus = 'idle';
  #lastEventId: string | undefined;
  #abort: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #scheduled = false;
  #attempt = 0;

  constructor(options: GatewayClientOptions) {
    this.#o = options;
  }

  get status(): ClientStatus {
    return this.#status;
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  subscribe(topic: string, handler: PageHandler, options: PageSubscribeOptions = {}): () => void {
    return this.#add(this.#subs, topic, { handler, options });
  }

  presence(topic: string, handler: (event: PagePresenceEvent) => void): () => void {
    return this.#add(this.#presence, topic, handler);
  }

  async publish(topic: string, event: string, payload: unknown): Promise<PublishAnswer> {
    const response = await this.#fetch()(`${this.#o.url}/publish`, {
      method: 'POST',
      headers: { ...(await this.#headers()), 'content-type': 'application/json' },
      body: JSON.stringify({ topic, event, payload }),
      credentials: this.#o.credentials ?? 'same-origin',
    });
    const body = (await response.json().catch(() => ({}))) as PublishAnswer & RefusalBody;
    if (!response.ok) throw new GatewayRefusal(response.status, body);
    return body;
  }

  close(): void {
    this.#subs.clear();
    this.#presence.clear();
    this.#stop();
    this.#setStatus('closed');
  }

  #add<T>(map: Map<string, Set<T>>, topic: string, item: T): () => void {
    if (this.#status === 'closed') throw new Error('the gateway client is closed');
    let set = map.get(topic);
    if (set === undefined) {
      map.set(topic, (set = new Set()));
      this.#schedule();
    }
    set.add(item);
    return () => {
      if (!set.delete(item) || set.size > 0 || map.get(topic) !== set) return;
      map.delete(topic);
      this.#schedule();
    };
  }

  /** Reopens the stream once, after the current synchronous changes. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.#status === 'closed') return;
      this.#stop();
      this.#attempt = 0;
      if (this.#subs.size + this.#presence.size > 0) void this.#run();
      else this.#setStatus('idle');
    });
  }

  #stop(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fetch(): typeof fetch {
    return this.#o.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async #headers(): Promise<Record<string, string>> {
    const h = this.#o.headers;
    return typeof h === 'function' ? await h() : { ...h };
  }

  #setStatus(status: ClientStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#o.onStatus?.(status);
  }

  async #run(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    this.#setStatus(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let retryMs: number | undefined;
    try {
      const response = await this.#open(abort.signal);
      if (!response.ok) return this.#refused(response);
      const parser = new SseParser();
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || abort.signal.aborted) break;
        for (const event of parser.push(value)) safely(() => this.#event(event));
      }
      retryMs = parser.retry;
    } catch {
      // A network error or an aborted stream: reconnect below unless it was aborted on purpose.
    }
    if (!abort.signal.aborted) this.#retry(retryMs);
  }

  #open(signal: AbortSignal): Promise<Response> {
    const query = new URLSearchParams();
    for (const topic of this.#subs.keys()) {
      query.append('topic', topic);
      if (this.#lastEventId !== undefined && !this.#live.has(topic)) query.append('fresh', topic);
    }
    for (const topic of this.#presence.keys()) query.append('presence', topic);
    return this.#headers().then((headers) =>
      this.#fetch()(`${this.#o.url}/events?${query}`, {
        headers: {
          ...headers,
          accept: 'text/event-stream',
          ...(this.#lastEventId === undefined ? {} : { 'last-event-id': this.#lastEventId }),
        },
        credentials: this.#o.credentials ?? 'same-origin',
        signal,
      }),
    );
  }

  #retry(serverMs: number | undefined): void {
    if (this.#status === 'closed') return;
    const { minMs = 500, maxMs = 10_000 } = this.#o.retry ?? {};
    const base = Math.min(maxMs, Math.max(serverMs ?? 0, minMs) * 2 ** this.#attempt++);
    this.#setStatus('reconnecting');
    this.#timer = setTimeout(() => void this.#run(), base / 2 + Math.random() * (base / 2));
  }

  async #refused(response: Response): Promise<void> {
    const body = (await response.json().catch(() => ({}))) as RefusalBody;
    const refusal: Refusal = { ...body, status: response.status };
    if (RETRYABLE.has(response.status)) return this.#retry(undefined);
    this.#o.onRefused?.(refusal);
    const topic = body.topic;
    const subs = topic === undefined ? undefined : this.#subs.get(topic);
    if (topic !== undefined && (subs !== undefined || this.#presence.has(topic))) {
      // One topic refused: drop it and keep the others.
      for (const sub of subs ?? []) sub.options.onRefused?.(refusal);
      this.#subs.delete(topic);
      this.#presence.delete(topic);
      this.#schedule();
      return;
    }
    this.#setStatus('refused');
  }

  #event(event: SseEvent): void {
    if (event.id !== undefined) this.#lastEventId = event.id;
    const data = JSON.parse(event.data) as unknown;
    if (event.event === 'message') this.#message(data as PageMessage);
    else if (event.event === 'gap') this.#gap(data as PageGap);
    else if (event.event === 'ready') {
      this.#live = new Set((data as PageReady).topics);
      this.#attempt = 0;
      this.#setStatus('open');
    } else if (event.event === 'presence') {
      const presence = data as PagePresenceEvent;
      for (const handler of this.#presence.get(presence.topic) ?? []) {
        safely(() => handler(presence));
      }
    }
  }

  #message(message: PageMessage): void {
    const subs = this.#subs.get(message.template ?? message.topic);
    if (subs === undefined) return;
    const { validators, topicKey } = this.#o;
    if (validators !== undefined) {
      const key = `${topicKey?.(message.topic)}.${message.event}@${message.version}`;
      if (validators[key]?.(message.payload) !== true) {
        this.#o.onInvalid?.(message, key);
        return;
      }
    }
    for (const sub of subs) {
      const events = sub.options.events;
      if (events === undefined || events.includes(message.event))
        safely(() => sub.handler(message));
    }
  }

  #gap(gap: PageGap): void {
    if (gap.topic.startsWith('$presence:')) {
      // Presence diffs were lost: a new stream starts with a fresh presence_state.
      this.#schedule();
      return;
    }
    safely(() => this.#o.onGap?.(gap));
    for (const sub of this.#subs.get(gap.topic) ?? []) safely(() => sub.options.onGap?.(gap));
  }
}
