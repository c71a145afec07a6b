/**
 * `for await` over a topic. The iterator is a subscription whose handler hands each message to
 * the consumer and waits until it is taken, so the subscription's bounded queue (and its overflow
 * policy) applies while the loop body is busy. Leaving the loop — `break`, `return`, a throw, or
 * the bus stopping — removes the subscription. When the bus removes the subscription itself (its
 * `signal` aborted, or its queue overflowed under the `error` policy) the loop ends too: after the
 * message it holds, with `done`, or by throwing the overflow error.
 */
import type { Message, Subscription } from './types.js';

/** Creates the iterator; `open` subscribes with the given handler. */
export function createStream<M extends Message>(
  open: (
    handler: (message: M) => Promise<void>,
    ended: (error?: unknown) => void,
  ) => Promise<Subscription>,
  onEnd?: () => void,
): AsyncIterableIterator<M> & { end(): void } {
  let handoff: { message: M; taken: () => void } | undefined;
  let waiting: ((result: IteratorResult<M>) => void) | undefined;
  let failure: ((error: unknown) => void) | undefined;
  let done = false;
  let subscription: Subscription | undefined;
  /** Why the bus removed the subscription; thrown by the next `next()` once. */
  let removedBy: { error: unknown } | undefined;

  /** The bus removed the subscription: end the loop, or throw what removed it. */
  const ended = (error?: unknown): void => {
    if (done) return;
    done = true;
    onEnd?.();
    if (error !== undefined) removedBy = { error };
    if (waiting) {
      const resolve = waiting;
      const reject = failure;
      waiting = undefined;
      failure = undefined;
      if (removedBy && reject) {
        removedBy = undefined;
        reject(error);
      } else resolve({ value: undefined, done: true });
    }
  };

  const opened = open(
    (message) =>
      new Promise<void>((taken) => {
        if (done) return taken();
        if (waiting) {
          const resolve = waiting;
          waiting = undefined;
          failure = undefined;
          resolve({ value: message, done: false });
          taken();
        } else {
          handoff = { message, taken };
        }
      }),
    ended,
  ).then(
    (s) => {
      subscription = s;
      if (done) void s.unsubscribe();
      return s;
    },
    (error: unknown) => {
      done = true;
      failure?.(error);
      throw error;
    },
  );
  // The error is delivered to the consumer through next(); do not leave it unhandled here.
  opened.catch(() => undefined);

  const finish = async (): Promise<IteratorResult<M>> => {
    if (!done) {
      done = true;
      onEnd?.();
      handoff?.taken();
      handoff = undefined;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      failure = undefined;
      if (subscription) await subscription.unsubscribe();
      else await opened.then((s) => s.unsubscribe()).catch(() => undefined);
    }
    return { value: undefined, done: true };
  };

  const iterator = {
    async next(): Promise<IteratorResult<M>> {
      await opened;
      if (handoff) {
        const { message, taken } = handoff;
        handoff = undefined;
        taken();
        return { value: message, done: false };
      }
      if (removedBy) {
        const { error } = removedBy;
        removedBy = undefined;
        throw error;
      }
      if (done) return { value: undefined, done: true };
      return new Promise<IteratorResult<M>>((resolve, reject) => {
        waiting = resolve;
        failure = reject;
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
