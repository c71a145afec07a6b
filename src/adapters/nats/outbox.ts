/**
 * The publishes of one tick, handed to nats.js together so that they leave in one socket write.
 *
 * nats.js writes its buffer in a microtask queued by the first command after a write. With
 * micro-batching (src/bus/batcher.ts) a tick's first publish goes out alone and the rest follow as
 * one batch in a microtask queued after it, so nats.js wrote twice per tick (one syscall each, on
 * loopback a good share of the publisher's CPU). The outbox collects a tick's publishes and hands
 * them to the connection two microtask hops after the first, after the bus's batch microtask has
 * run: one write per tick, at no wait that a timer or I/O could lengthen. A tick of more than
 * nats.js's pending limit (32 KB) leaves in more: nats.js writes inline once its buffer reaches
 * it, so the bench's 256-message tick (77 KB: 1 + 100 + 100 + 55 messages in 4 NATS messages)
 * leaves in 2 writes, where raw nats.js writes 3.
 *
 * Every publish of a tick shares one promise, which resolves once the tick's messages are in the
 * connection's buffer. What nats.js would refuse is refused before (`publish` in index.ts checks
 * the state and `max_payload`), and `close()` drains the outbox first; a refusal at the drain is
 * therefore a connection closed under it, and rejects the tick's publishes.
 */
import type { HeraldError } from '../../errors.js';

/** One tick's publishes. */
export interface Outbox {
  /** Queues a message; resolves when the tick's messages were handed to the connection. */
  add(subject: string, data: Uint8Array): Promise<void>;
  /** Hands what is queued to the connection now (before a close). */
  drain(): void;
}

/** Where the outbox hands messages: the live connection's `publish`, or an error. */
export interface OutboxTarget {
  publish(subject: string, data: Uint8Array): void;
  /** The error of a tick whose publishes the connection refused. */
  refused(error: unknown): HeraldError;
}

interface Tick {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newTick(): Tick {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Creates the outbox of one transport, publishing through `target()` at each drain. */
export function createOutbox(target: () => OutboxTarget): Outbox {
  let subjects: string[] = [];
  let payloads: Uint8Array[] = [];
  let tick: Tick | undefined;
  const drain = (): void => {
    const current = tick;
    if (current === undefined) return;
    const [s, p] = [subjects, payloads];
    tick = undefined;
    subjects = [];
    payloads = [];
    const to = target();
    try {
      for (let i = 0; i < s.length; i++) to.publish(s[i]!, p[i]!);
    } catch (error) {
      current.reject(to.refused(error));
      return;
    }
    current.resolve();
  };
  // The second hop runs after the microtasks queued in the same tick as the first (the batch's).
  const hop = (): void => queueMicrotask(drain);
  return {
    add(subject, data) {
      if (tick === undefined) {
        tick = newTick();
        queueMicrotask(hop);
      }
      subjects.push(subject);
      payloads.push(data);
      return tick.promise;
    },
    drain,
  };
}
