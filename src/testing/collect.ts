/**
 * Recording what a bus delivers, for assertions: `collect` subscribes and keeps every message
 * (and gap) in order; `waitForEvent` resolves on the next matching bus event. Both time out with
 * a message that says what was awaited and what arrived instead, never with a bare hang.
 */
import type {
  BusEvents,
  DefOf,
  Gap,
  Message,
  MessageOf,
  SubscribeOptions,
  Subscription,
  TopicName,
} from '../bus/types.js';
import type { Bus } from '../create-bus.js';
import type { EventNames, TopicDefs } from '../schemas/define.js';

/** Default wait of `waitFor` and `waitForEvent`, in ms. */
export const DEFAULT_WAIT_MS = 5000;

/** Messages recorded from one subscription. */
export interface Collector<M extends Message = Message> {
  /** The subscription behind it. */
  readonly subscription: Subscription;
  /** Every message received so far, in arrival order. */
  readonly messages: readonly M[];
  /** Their payloads, in arrival order. */
  readonly payloads: readonly M['payload'][];
  /** Gaps signalled to this subscription (reconnects, failovers). */
  readonly gaps: readonly Gap[];
  /**
   * Resolves once at least `count` messages have arrived (counting from the last `clear()`),
   * with every message so far; rejects after `timeoutMs` saying how many arrived.
   */
  waitFor(count: number, timeoutMs?: number): Promise<readonly M[]>;
  /**
   * Resolves with the first recorded message (already arrived or still to come) that satisfies
   * `predicate`; rejects after `timeoutMs`.
   */
  waitUntil(predicate: (message: M) => boolean, timeoutMs?: number): Promise<M>;
  /** Forgets the messages and gaps recorded so far. */
  clear(): void;
  /** Removes the subscription. Idempotent. */
  unsubscribe(): Promise<void>;
}

/** What `collect` needs from a bus: its `subscribe`, untyped. */
type LooseSubscribe = (
  topic: string,
  handler: (message: Message) => void,
  options?: SubscribeOptions,
) => Promise<Subscription>;

/**
 * Subscribes to `topic` and records what arrives.
 * @example
 * const inbox = await collect(busB, 'room:42');
 * await busA.broadcast('room:42', 'message', { text: 'hi' });
 * const [message] = await inbox.waitFor(1);
 */
export async function collect<
  D extends TopicDefs,
  S extends TopicName<D>,
  E extends EventNames<DefOf<D, S>> = EventNames<DefOf<D, S>>,
>(
  bus: Bus<D>,
  topic: S,
  options: SubscribeOptions<E> = {},
): Promise<Collector<Extract<MessageOf<DefOf<D, S>>, { event: E }>>> {
  type M = Extract<MessageOf<DefOf<D, S>>, { event: E }>;
  const messages: M[] = [];
  const gaps: Gap[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const wait = <T>(ready: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    waitOn(waiters, ready, timeoutMs, () => {
      const events = [...new Set(messages.map((m) => m.event))].join(', ') || 'none';
      return `collect("${topic}"): timed out after ${timeoutMs} ms waiting for ${what}; got ${messages.length} message(s) (events: ${events})${subscription.active ? '' : '; the subscription is no longer active'}`;
    });
  const subscribe = bus.subscribe as unknown as LooseSubscribe;
  const subscription = await subscribe(
    topic,
    (message) => {
      messages.push(message as unknown as M);
      notify();
    },
    {
      ...(options as SubscribeOptions),
      onGap: (gap) => {
        gaps.push(gap);
        options.onGap?.(gap);
      },
    },
  );
  return {
    subscription,
    get messages() {
      return messages;
    },
    get payloads() {
      return messages.map((m) => m.payload);
    },
    get gaps() {
      return gaps;
    },
    waitFor(count, timeoutMs = DEFAULT_WAIT_MS) {
      return wait(
        () => (messages.length >= count ? [...messages] : undefined),
        timeoutMs,
        `${count} message(s)`,
      );
    },
    waitUntil(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      return wait(() => messages.find(predicate), timeoutMs, 'a matching message');
    },
    clear() {
      messages.length = 0;
      gaps.length = 0;
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}

/**
 * Resolves with `ready()`'s first defined answer, re-asked by each call of a waiter in `waiters`
 * (one per arrival); rejects with `timedOut()`'s message after `timeoutMs`.
 */
function waitOn<T>(
  waiters: Set<() => void>,
  ready: () => T | undefined,
  timeoutMs: number,
  timedOut: () => string,
): Promise<T> {
  const now = ready();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const value = ready();
      if (value === undefined) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(value);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(timedOut()));
    }, timeoutMs);
    waiters.add(check);
  });
}

/** What `waitForEvent` needs from a bus. */
export interface BusEventSource {
  on<K extends keyof BusEvents>(event: K, listener: (value: BusEvents[K]) => void): () => void;
}

/**
 * Resolves with the next `name` bus event that satisfies `predicate`; rejects after `timeoutMs`.
 * Call it before the action that causes the event, then await it.
 * @example
 * const rejected = waitForEvent(bus, 'rejected', (r) => r.reason === 'unknown_key');
 * await other.broadcast(topic, 'posted', payload);
 * expect((await rejected).reason).toBe('unknown_key');
 */
export function waitForEvent<K extends keyof BusEvents>(
  bus: BusEventSource,
  name: K,
  predicate: (value: BusEvents[K]) => boolean = () => true,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<BusEvents[K]> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const off = bus.on(name, (value) => {
      seen++;
      if (!predicate(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `waitForEvent("${String(name)}"): no matching event within ${timeoutMs} ms (${seen} "${String(name)}" event(s) did not match)`,
        ),
      );
    }, timeoutMs);
  });
}
