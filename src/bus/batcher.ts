/**
 * Micro-batching, on by default over remote transports (`Transport.remote`; `batching: true` for
 * every transport, `false` for none): the first remote publish to a channel in a tick goes out at
 * once as a single message, like an unbatched one, so a message alone in its tick waits for
 * nothing; the publishes to that channel after it in the same tick travel as one batch envelope
 * (docs/wire-format.md §3.1) under one signature, in one transport message. Each message was
 * validated, numbered and traced on its own before it got here, and the receiver checks each on
 * its own again (freshness, replay, schema, dispatch).
 *
 * A batch is sent at the end of the tick that opened it (a microtask), or earlier when it is full:
 * `maxMessages` messages, or as many bytes as one transport message may carry. Order on a channel
 * is publish order: a message sent alone while a batch is open for its channel (too large to
 * share) sends the batch first.
 */

import { schedule } from './microtask.js';

/** Options of micro-batching. */
export interface BatchingOptions {
  /**
   * Most messages in one batch envelope (receivers refuse more than 1024).
   * @default 100
   */
  readonly maxMessages?: number;
  /**
   * Largest batch envelope in bytes.
   * @default the smaller of `limits.maxBytes` and what the transport carries in one piece
   * (PostgreSQL: the 8000-byte NOTIFY limit, so batches never need the claim check)
   */
  readonly maxBytes?: number;
}

/** What a batch needs from the bus. */
export interface BatchPort {
  /** Signs the items (from `codec.item`) as one batch envelope. */
  encode(items: readonly string[]): string;
  /** Hands one encoded envelope to the transport (`template`: as `Transport.publish` takes it). */
  send(channel: string, data: string, template: string | undefined): Promise<void>;
}

/** The batcher of one bus. */
export interface Batcher {
  /**
   * True for the first publish to `channel` in this tick (nothing is open for it): it goes out
   * alone, at once. False afterwards until the tick ends: the publish joins a batch.
   */
  first(channel: string): boolean;
  /** Sends the batch open for `channel` now, if any (before a message that goes alone). */
  cut(channel: string): void;
  /** True when an item of `json` fits a batch at all (else send it on its own). */
  fits(json: string): boolean;
  /**
   * Queues an item for `channel`; resolves with its share of the envelope's bytes once the
   * transport took the batch, or rejects with the transport's error.
   */
  add(channel: string, json: string, template?: string): Promise<number>;
}

interface Open {
  readonly channel: string;
  readonly template: string | undefined;
  readonly items: string[];
  bytes: number;
  readonly done: Promise<number>;
  resolve(share: number): void;
  reject(error: unknown): void;
}

/** Bytes of the header, signature and JSON wrapping a batch adds to its items (generous). */
const OVERHEAD = 512;

/**
 * Bytes an item adds to a body: its UTF-8 length and the comma before it (herald/2 carries the
 * JSON as it is, no base64). `fits` and then `add` ask for the same item one after the other, so
 * the last answer is kept rather than counting the string twice.
 */
function createSizer(): (json: string) => number {
  let lastJson = '';
  let lastSize = 1;
  return (json) => {
    if (json !== lastJson) {
      lastJson = json;
      lastSize = Buffer.byteLength(json) + 1;
    }
    return lastSize;
  };
}

/**
 * Creates a batcher. `maxBytes` answers the hard cap of one envelope now (a fallback chain may
 * move to a transport with another limit).
 */
export function createBatcher(
  port: BatchPort,
  maxMessages: number,
  maxBytes: () => number,
): Batcher {
  const open = new Map<string, Open>();
  // Channels that carried a message this tick; cleared by one microtask per tick.
  const used = new Set<string>();
  const clear = (): void => used.clear();
  const sizeOf = createSizer();

  function flush(batch: Open): void {
    if (open.get(batch.channel) === batch) open.delete(batch.channel);
    let data: string;
    try {
      data = port.encode(batch.items);
    } catch (error) {
      batch.reject(error);
      return;
    }
    const share = Math.ceil(data.length / batch.items.length);
    port.send(batch.channel, data, batch.template).then(
      () => batch.resolve(share),
      (error: unknown) => batch.reject(error),
    );
  }

  function start(channel: string, template: string | undefined): Open {
    let resolve!: (share: number) => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Open = { channel, template, items: [], bytes: 0, done, resolve, reject };
    open.set(channel, batch);
    schedule(() => {
      if (open.get(channel) === batch) flush(batch);
    });
    return batch;
  }

  return {
    first(channel) {
      if (used.has(channel) || open.has(channel)) return false;
      if (used.size === 0) schedule(clear);
      used.add(channel);
      return true;
    },
    cut(channel) {
      const batch = open.get(channel);
      if (batch !== undefined) flush(batch);
    },
    fits: (json) => sizeOf(json) <= maxBytes() - OVERHEAD,
    add(channel, json, template) {
      const size = sizeOf(json);
      let batch = open.get(channel);
      if (
        batch &&
        (batch.items.length >= maxMessages || batch.bytes + size > maxBytes() - OVERHEAD)
      ) {
        flush(batch);
        batch = undefined;
      }
      batch ??= start(channel, template);
      batch.items.push(json);
      batch.bytes += size;
      return batch.done;
    },
  };
}
