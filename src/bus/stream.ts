/**
 * `for await` over a topic. The iterator is a subscription whose handler hands each message to
 * the consumer and waits until it is taken, so the subscription's bounded queue (and its overflow
 * policy) applies while the loop body is busy. Leaving the loop — `break`, `return`, a throw, or
 * the bus stopping — removes the subscription. When the bus removes the subscription itself (its
 * `signal` aborted, or its queue overflowed under the `error` policy) the loop ends too: after the
 * message it holds, with `done`, or by throwing the overflow error.
 */
import type { Message, Subscription } from './types.js';

/** The state one stream's handler, its iterator and the bus share. */
interface StreamState<M> {
  /** The message the handler holds until the consumer takes it. */
  handoff: { message: M; taken: () => void } | undefined;
  /** The consumer's pending `next()`. */
  waiting: ((result: IteratorResult<M>) => void) | undefined;
  failure: ((error: unknown) => void) | undefined;
  done: boolean;
  subscription: Subscription | undefined;
  /** Why the bus removed the subscription; thrown by the next `next()` once. */
  removedBy: { error: unknown } | undefined;
  readonly onEnd: (() => void) | undefined;
}

/** Creates the iterator; `open` subscribes with the given handler. */
export function createStream<M extends Message>(
  open: (
    handler: (message: M) => Promise<void>,
    ended: (error?: unknown) => void,
  ) => Promise<Subscription>,
  onEnd?: () => void,
): AsyncIterableIterator<M> & { end(): void } {
  const s: StreamState<M> = {
    handoff: undefined,
    waiting: undefined,
    failure: undefined,
    done: false,
    subscription: undefined,
    removedBy: undefined,
    onEnd,
  };
  const opened = open(
    (message) => handOff(s, message),
    (error) => ended(s, error),
  ).then(
    (subscription) => {
      s.subscription = subscription;
      if (s.done) void subscription.unsubscribe();
      return subscription;
    },
    (error: unknown) => {
      s.done = true;
      s.failure?.(error);
      throw error;
    },
  );
  // The error is delivered to the consumer through next(); do not leave it unhandled here.
  opened.catch(() => undefined);
  return iteratorOf(s, opened);
}

/** The bus removed the subscription: end the loop, or throw what removed it. */
function ended<M>(s: StreamState<M>, error?: unknown): void {
  if (s.done) return;
  s.done = true;
  s.onEnd?.();
  if (error !== undefined) s.removedBy = { error };
  if (s.waiting) {
    const resolve = s.waiting;
    const reject = s.failure;
    s.waiting = undefined;
    s.failure = undefined;
    if (s.removedBy && reject) {
      s.removedBy = undefined;
      reject(error);
    } else resolve({ value: undefined, done: true });
  }
}

/** The handler: gives the message to a waiting `next()`, or holds it until one comes. */
function handOff<M>(s: StreamState<M>, message: M): Promise<void> {
  return new Promise<void>((taken) => {
    if (s.done) return taken();
    if (s.waiting) {
      const resolve = s.waiting;
      s.waiting = undefined;
      s.failure = undefined;
      resolve({ value: message, done: false });
      taken();
    } else {
      s.handoff = { message, taken };
    }
  });
}

/** The consumer's side: `next`, `return`, `throw`, and `end` for the bus's stop. */
function iteratorOf<M>(
  s: StreamState<M>,
  opened: Promise<Subscription>,
): AsyncIterableIterator<M> & { end(): void } {
  const finish = async (): Promise<IteratorResult<M>> => {
    if (!s.done) {
      s.done = true;
      s.onEnd?.();
      s.handoff?.taken();
      s.handoff = undefined;
      s.waiting?.({ value: undefined, done: true });
      s.waiting = undefined;
      s.failure = undefined;
      if (s.subscription) await s.subscription.unsubscribe();
      else await opened.then((sub) => sub.unsubscribe()).catch(() => undefined);
    }
    return { value: undefined, done: true };
  };

  const iterator = {
    async next(): Promise<IteratorResult<M>> {
      await opened;
      if (s.handoff) {
        const { message, taken } = s.handoff;
        s.handoff = undefined;
        taken();
        return { value: message, done: false };
      }
      if (s.removedBy) {
        const { error } = s.removedBy;
        s.removedBy = undefined;
        throw error;
      }
      if (s.done) return { value: undefined, done: true };
      return new Promise<IteratorResult<M>>((resolve, reject) => {
        s.waiting = resolve;
        s.failure = reject;
      });
    },
    return: finish,
    async throw(error: unknown): Promise<IteratorResult<M>> {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    end(): void {
      void finish();
    },
  };
  return iterator;
}
