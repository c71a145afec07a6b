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
  /** Most bytes of the items and their commas: `maxBytes()` less the overhead, at the start. */
  readonly limit: number;
  /** UTF-16 units of the items and their commas; 3 each bound their UTF-8 bytes. */
  units: number;
  /** UTF-8 bytes of the items and their commas, counted once the bound no longer fits (else -1). */
  bytes: number;
  readonly done: Promise<number>;
  resolve(share: number): void;
  reject(error: unknown): void;
}

/** Bytes of the header, signature and JSON wrapping a batch adds to its items (generous). */
const OVERHEAD = 512;

/** UTF-8 bytes of one item and the comma before it (herald/2 carries the JSON as it is). */
const sizeOf = (json: string): number => Buffer.byteLength(json) + 1;

/**
 * Whether an item of `json` fits `limit` bytes: a UTF-16 unit is at most 3 UTF-8 bytes, so an
 * item well under the limit (every one in practice) is not counted byte by byte.
 */
const fitsIn = (json: string, limit: number): boolean =>
  (json.length + 1) * 3 <= limit || sizeOf(json) <= limit;

/**
 * Counts `json` into `batch` if it fits (or `force`): by the 3-bytes-per-unit bound while the
 * whole batch stays under the limit by it, by exact UTF-8 bytes once it would not.
 */
function admit(batch: Open, json: string, force: boolean): boolean {
  const units = json.length + 1;
  if (batch.bytes < 0) {
    if ((batch.units + units) * 3 <= batch.limit) {
      batch.units += units;
      return true;
    }
    let bytes = 0;
    for (const item of batch.items) bytes += sizeOf(item);
    batch.bytes = bytes;
  }
  const size = sizeOf(json);
  if (!force && batch.bytes + size > batch.limit) return false;
  batch.units += units;
  batch.bytes += size;
  return true;
}

/** What the batcher remembers of the current tick. */
interface Tick {
  /** Channels that carried a message this tick. */
  readonly used: Set<string>;
  /** Marks the tick begun: its memory is cleared by one microtask at its end. */
  begin(): void;
  /** `maxBytes()` less the overhead, asked once per tick rather than once per publish. */
  limit(): number;
}

function createTick(maxBytes: () => number): Tick {
  const used = new Set<string>();
  let limit = -1;
  let clearing = false;
  const clear = (): void => {
    used.clear();
    limit = -1;
    clearing = false;
  };
  const begin = (): void => {
    if (clearing) return;
    clearing = true;
    schedule(clear);
  };
  return {
    used,
    begin,
    limit() {
      if (limit < 0) {
        limit = maxBytes() - OVERHEAD;
        begin();
      }
      return limit;
    },
  };
}

/** A new batch of `channel`, empty, holding up to `limit` bytes of items. */
function openBatch(channel: string, template: string | undefined, limit: number): Open {
  let resolve!: (share: number) => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<number>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { channel, template, items: [], limit, units: 0, bytes: -1, done, resolve, reject };
}

/**
 * Creates a batcher. `maxBytes` answers the hard cap of one envelope now (a fallback chain may
 * move to a transport with another limit): asked once per tick, the tick of a batch's messages.
 */
export function createBatcher(
  port: BatchPort,
  maxMessages: number,
  maxBytes: () => number,
): Batcher {
  const open = new Map<string, Open>();
  const tick = createTick(maxBytes);

  function flush(batch: Open): void {
    if (open.get(batch.channel) === batch) open.delete(batch.channel);
    let data: string;
    let sending: Promise<void>;
    try {
      data = port.encode(batch.items);
      // A transport that throws instead of rejecting refuses the batch all the same.
      sending = port.send(batch.channel, data, batch.template);
    } catch (error) {
      batch.reject(error);
      return;
    }
    const share = Math.ceil(data.length / batch.items.length);
    sending.then(
      () => batch.resolve(share),
      (error: unknown) => batch.reject(error),
    );
  }

  function start(channel: string, template: string | undefined): Open {
    const batch = openBatch(channel, template, tick.limit());
    open.set(channel, batch);
    schedule(() => {
      if (open.get(channel) === batch) flush(batch);
    });
    return batch;
  }

  return {
    first(channel) {
      if (tick.used.has(channel) || open.has(channel)) return false;
      tick.begin();
      tick.used.add(channel);
      return true;
    },
    cut(channel) {
      const batch = open.get(channel);
      if (batch !== undefined) flush(batch);
    },
    fits: (json) => fitsIn(json, tick.limit()),
    add(channel, json, template) {
      let batch = open.get(channel);
      if (
        batch !== undefined &&
        (batch.items.length >= maxMessages || !admit(batch, json, false))
      ) {
        flush(batch);
        batch = undefined;
      }
      if (batch === undefined) {
        // The first item of a batch always joins it: `fits` was asked before.
        batch = start(channel, template);
        admit(batch, json, true);
      }
      batch.items.push(json);
      return batch.done;
    },
  };
}
