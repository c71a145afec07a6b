/**
 * Topic feeds: one bus subscription per topic, shared by every page that receives it. A message
 * is turned into SSE bytes once, numbered with the gateway's sequence (the resume id), kept in
 * the topic's resume ring and handed to each page's connection, whose bounded queue decides
 * between writing and a gap. The handler never waits: a slow page cannot slow the bus.
 *
 * A feed outlives its last page by `resumeMs`, so a page that reconnects in time resumes from
 * its ring instead of getting a gap.
 */
import type { Gap, Message, SubscribeOptions, Subscription } from '../bus/types.js';
import type { Connection } from './connection.js';
import { messageFrame, namedFrame, traceIdOf, wireMessage } from './frames.js';
import { ResumeRing } from './ring.js';
import type { DeliveryTracer } from './trace.js';

/** The bus calls a feed needs (any `Bus`). */
export interface FeedBus {
  subscribe(
    topic: string,
    handler: (message: Message) => void,
    options: SubscribeOptions,
  ): Promise<Subscription>;
}

/** What the feeds share with the gateway. */
export interface FeedContext {
  readonly bus: FeedBus;
  /** This gateway's epoch: the first part of every resume id. */
  readonly epoch: string;
  /** The last sequence number given (the gateway's, across topics). */
  seq: number;
  readonly ringSize: number;
  readonly lingerMs: number;
  readonly tracer: DeliveryTracer;
  /** A gap was sent to `count` pages because of a transport gap. */
  transportGap(count: number): void;
}

/** One followed topic. */
export class Feed {
  readonly topic: string;
  readonly template: string;
  readonly connections = new Set<Connection>();
  readonly ring: ResumeRing;
  readonly ready: Promise<void>;
  #subscription: Subscription | undefined;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(ctx: FeedContext, topic: string, template: string, onIdle: () => void) {
    this.topic = topic;
    this.template = template;
    this.ring = new ResumeRing(ctx.ringSize, ctx.seq);
    this.ready = ctx.bus
      .subscribe(topic, (message) => this.#deliver(ctx, message), {
        onGap: (gap) => this.#gap(ctx, gap),
      })
      .then((subscription) => {
        if (this.#closed) void subscription.unsubscribe();
        else this.#subscription = subscription;
      });
    this.#onIdle = onIdle;
  }

  readonly #onIdle: () => void;

  /** A page joins: cancels a pending linger. */
  add(connection: Connection): void {
    if (this.#linger !== undefined) clearTimeout(this.#linger);
    this.#linger = undefined;
    this.connections.add(connection);
  }

  /** A page leaves: the last one starts the linger, after which the feed closes. */
  remove(connection: Connection, lingerMs: number): void {
    this.connections.delete(connection);
    if (this.connections.size > 0 || this.#closed) return;
    this.#linger = setTimeout(() => {
      if (this.connections.size === 0) this.#onIdle();
    }, lingerMs);
    this.#linger.unref?.();
  }

  /** Unsubscribes from the bus. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#linger !== undefined) clearTimeout(this.#linger);
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.unsubscribe();
  }

  #deliver(ctx: FeedContext, message: Message): void {
    const seq = ++ctx.seq;
    const span = ctx.tracer.begin(message, this.template);
    const data = wireMessage(
      message,
      traceIdOf(message.meta.traceparent),
      this.topic.includes('{') ? this.template : undefined,
    );
    const frame = messageFrame(`${ctx.epoch}.${seq}`, data);
    this.ring.push(seq, frame);
    for (const connection of this.connections) {
      connection.send(this.topic, frame);
      span?.(connection.id);
    }
  }

  #gap(ctx: FeedContext, gap: Gap): void {
    this.ring.lose(ctx.seq);
    const frame = namedFrame('gap', {
      topic: this.topic,
      reason: 'transport',
      from: gap.from,
      to: gap.to,
    });
    for (const connection of this.connections) connection.control(frame);
    ctx.transportGap(this.connections.size);
  }
}

/** The feeds of one gateway, by topic. */
export class Feeds {
  readonly #ctx: FeedContext;
  readonly #feeds = new Map<string, Feed>();

  constructor(ctx: FeedContext) {
    this.#ctx = ctx;
  }

  get size(): number {
    return this.#feeds.size;
  }

  /** The last sequence number given to a message. */
  get seq(): number {
    return this.#ctx.seq;
  }

  /** The live or lingering feed of a topic. */
  get(topic: string): Feed | undefined {
    return this.#feeds.get(topic);
  }

  /** The feed of a topic, subscribing to the bus when it is new. */
  acquire(topic: string, template: string): Feed {
    let feed = this.#feeds.get(topic);
    if (feed === undefined) {
      const created: Feed = new Feed(this.#ctx, topic, template, () => {
        if (this.#feeds.get(topic) === created) this.#feeds.delete(topic);
        void created.close().catch(() => {});
      });
      feed = created;
      this.#feeds.set(topic, feed);
      // A failed subscription must not stay cached: the next page retries it.
      feed.ready.catch(() => {
        if (this.#feeds.get(topic) === created) this.#feeds.delete(topic);
      });
    }
    return feed;
  }

  /** Removes a connection from its feeds. */
  release(connection: Connection): void {
    for (const topic of connection.topics) {
      this.#feeds.get(topic)?.remove(connection, this.#ctx.lingerMs);
    }
  }

  /** Closes every feed. */
  async close(): Promise<void> {
    const feeds = [...this.#feeds.values()];
    this.#feeds.clear();
    await Promise.allSettled(feeds.map((feed) => feed.close()));
  }
}
