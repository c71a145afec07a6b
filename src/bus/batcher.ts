/**
 * Opt-in micro-batching (`createBus({ batching: true })`): remote publishes to one channel within
 * one tick travel as one batch envelope (docs/wire-format.md §3a) under one signature, in one
 * transport message. Each message was validated, numbered and traced on its own before it got
 * here, and the receiver checks each on its own again (freshness, replay, schema, dispatch).
 *
 * A batch is sent at the end of the tick that opened it (a microtask), or earlier when it is full:
 * `maxMessages` messages, or as many bytes as one transport message may carry.
 */

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

/** Base64url size of `json` as UTF-8 (an upper bound: every char counted as up to 3 bytes). */
const encodedSize = (json: string): number => Math.ceil((Buffer.byteLength(json) * 4) / 3) + 2;

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
    queueMicrotask(() => {
      if (open.get(channel) === batch) flush(batch);
    });
    return batch;
  }

  return {
    fits: (json) => encodedSize(json) + 1 <= maxBytes() - OVERHEAD,
    add(channel, json, template) {
      const size = encodedSize(json) + 1;
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
