/**
 * Replay protection across processes: the `ReplayStore` interface and the gate that puts a
 * shared store after the in-memory window without reordering a publisher's messages.
 *
 * The in-memory window (freshness.ts) stays first: it is synchronous and refuses local repeats
 * at no cost. A message that passes it is then *claimed* in the shared store under
 * `<group>|<node>:<epoch>:<seq>`: the first claim of a key wins, any later one is a `replay`.
 * The group decides who may accept a message once:
 *
 * - by default, this node's id: each node accepts each message at most once, and remembers it
 *   across restarts (the in-memory window is lost on restart; the store is not);
 * - a group shared by several nodes: at most one node of the group accepts each message, so a
 *   message captured on one node and replayed to another is refused there.
 *
 * Store answers may come back out of order; the gate releases each publisher's messages in the
 * order they arrived, so dispatch order per publisher is kept. Claims of different publishers do
 * not wait for each other, and claims of one publisher are sent without waiting (pipelined).
 */
import { ConfigError } from '../errors.js';
import { ID_PATTERN } from '../rules.js';
import { RejectReason } from './reasons.js';

/** A set of message ids with expiry, shared by several processes. */
export interface ReplayStore {
  /**
   * Records `key` for `ttlMs` milliseconds. Resolves `true` when the key was not recorded (the
   * first sighting), `false` when it was (a replay). Rejects when the store cannot tell.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Stops timers the store owns. Never closes a client or pool it was given. */
  close?(): Promise<void>;
}

/** Options of a shared replay store (`freshness.shared`). */
export interface SharedReplayOptions {
  /** The store: `redisReplayStore(client)`, `postgresReplayStore(pool)`, or your own. */
  readonly store: ReplayStore;
  /**
   * Who accepts a message at most once: 1-64 characters of `[A-Za-z0-9_.-]`. Nodes with the
   * same group share one "seen" set.
   * @default this node's id (each node once, across restarts)
   * @example 'billing-workers'
   */
  readonly group?: string;
  /**
   * A claim unanswered for this long counts as a store failure.
   * @default 1000
   */
  readonly timeoutMs?: number;
  /**
   * On a store failure (error, timeout), accept the message unchecked instead of refusing it as
   * `replay_unchecked`. Availability over replay protection; off by default.
   * @default false
   */
  readonly failOpen?: boolean;
  /**
   * Most claims in flight at once; past it, messages are refused as `replay_unchecked`, so a
   * slow store cannot grow memory without bound.
   * @default 10000
   */
  readonly maxPending?: number;
}

/** The verdict of a claim: undefined admits the message. */
export type ReplayVerdict = (reason: RejectReason | undefined, detail: string) => void;

/** The shared-store stage of the receive path. */
export interface ReplayGate {
  /**
   * Claims one message id and calls `done` once with its verdict, never before the verdicts of
   * earlier messages of the same publisher (`node`, `epoch`).
   */
  check(node: string, epoch: string, seq: number, done: ReplayVerdict): void;
  /** Claims in flight. */
  readonly pending: number;
  /** Messages accepted unchecked because of a store failure with `failOpen`. */
  readonly unchecked: number;
  /** Drops every pending claim without calling its `done` (the bus stopped). */
  clear(): void;
}

interface Entry {
  readonly started: number;
  readonly done: ReplayVerdict;
  settled: boolean;
  reason: RejectReason | undefined;
  detail: string;
}

/** Creates the gate of one bus. `ttlMs` is how long a claim must be remembered. */
export function createReplayGate(
  options: SharedReplayOptions,
  nodeId: string,
  ttlMs: number,
  now: () => number = Date.now,
): ReplayGate {
  const { store, group, timeoutMs, maxPending } = sharedSettings(options, nodeId);
  const failOpen = options.failOpen === true;
  const queues = new Map<string, Entry[]>();
  let pending = 0;
  let unchecked = 0;
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;

  function settle(publisher: string, entry: Entry, isNew: boolean | Error): void {
    if (entry.settled) return;
    entry.settled = true;
    pending--;
    if (judge(entry, isNew, failOpen)) unchecked++;
    flush(queues, publisher);
    if (pending === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  /** Times out the oldest claim of each publisher; later ones wait behind it anyway. */
  function sweep(): void {
    const limit = now() - timeoutMs;
    for (const [publisher, queue] of [...queues]) {
      // After every settle, flush leaves an unsettled entry (or nothing) at the head.
      for (let head = queue[0]; head !== undefined && head.started <= limit; head = queue[0]) {
        settle(publisher, head, new Error(`no answer within ${timeoutMs} ms`));
      }
    }
  }

  return {
    get pending() {
      return pending;
    },
    get unchecked() {
      return unchecked;
    },
    check(node, epoch, seq, done) {
      if (pending >= maxPending) {
        done(
          RejectReason.ReplayUnchecked,
          `${pending} replay checks pending (maxPending ${maxPending})`,
        );
        return;
      }
      const publisher = `${node}\u0000${epoch}`;
      const entry: Entry = { started: now(), done, settled: false, reason: undefined, detail: '' };
      enqueue(queues, publisher, entry);
      pending++;
      timer ??= setInterval(sweep, Math.max(10, timeoutMs >> 2)).unref();
      const mine = generation;
      claimOf(store, `${group}|${node}:${epoch}:${seq}`, ttlMs).then(
        (isNew) => {
          if (mine === generation) settle(publisher, entry, isNew === true);
        },
        (error: unknown) => {
          if (mine === generation) {
            settle(publisher, entry, error instanceof Error ? error : new Error(String(error)));
          }
        },
      );
    },
    clear() {
      generation++;
      queues.clear();
      pending = 0;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** The checked settings of `freshness.shared`: configuration errors throw here. */
function sharedSettings(options: SharedReplayOptions, nodeId: string) {
  const { store } = options;
  if (typeof store?.claim !== 'function') {
    throw new ConfigError('freshness.shared.store is not a replay store', {
      hint: 'pass store: redisReplayStore(redisClient) or postgresReplayStore(pool)',
    });
  }
  const group = options.group ?? nodeId;
  if (typeof group !== 'string' || !ID_PATTERN.test(group)) {
    throw new ConfigError(`freshness.shared.group "${String(group)}" is invalid`, {
      hint: 'a group is 1-64 characters of [A-Za-z0-9_.-]',
    });
  }
  const timeoutMs = options.timeoutMs ?? 1000;
  const maxPending = options.maxPending ?? 10_000;
  for (const [name, value] of [
    ['timeoutMs', timeoutMs],
    ['maxPending', maxPending],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`freshness.shared.${name} must be a positive integer`, {
        hint: `leave ${name} out for the default`,
      });
    }
  }
  return { store, group, timeoutMs, maxPending };
}

/** The store's answer as the entry's verdict; true when it lets a message through unchecked. */
function judge(entry: Entry, isNew: boolean | Error, failOpen: boolean): boolean {
  entry.reason = undefined;
  if (isNew === true) return false;
  if (isNew === false) {
    entry.reason = RejectReason.Replay;
    entry.detail = 'already accepted (shared replay store)';
    return false;
  }
  if (failOpen) return true;
  entry.reason = RejectReason.ReplayUnchecked;
  entry.detail = `the shared replay store did not answer: ${isNew.message}`;
  return false;
}

/** Reports a publisher's settled claims, in order, up to its first unsettled one. */
function flush(queues: Map<string, Entry[]>, publisher: string): void {
  const queue = queues.get(publisher);
  if (queue === undefined) return;
  while (queue.length > 0 && queue[0]!.settled) {
    const entry = queue.shift()!;
    try {
      entry.done(entry.reason, entry.detail);
    } catch {
      // `done` reports its own failures; one that throws must not stall this publisher.
    }
  }
  if (queue.length === 0) queues.delete(publisher);
}

/** Queues a claim behind the publisher's earlier ones. */
function enqueue(queues: Map<string, Entry[]>, publisher: string, entry: Entry): void {
  let queue = queues.get(publisher);
  if (queue === undefined) {
    queue = [];
    queues.set(publisher, queue);
  }
  queue.push(entry);
}

/** The store's claim as a promise, even when `claim` throws or returns a plain value. */
function claimOf(store: ReplayStore, key: string, ttlMs: number): Promise<boolean> {
  try {
    return Promise.resolve(store.claim(key, ttlMs));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * A replay store in this process's memory, bounded by `maxEntries` (the oldest claims are
 * forgotten first). It shares "seen" ids between buses of one process (tests, several buses
 * in one service); across processes use Redis or PostgreSQL.
 */
export function memoryReplayStore(options: { readonly maxEntries?: number } = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 100_000;
  const expiries = new Map<string, number>();
  return {
    async claim(key, ttlMs) {
      const at = Date.now();
      const expiry = expiries.get(key);
      if (expiry !== undefined && expiry > at) return false;
      if (expiry !== undefined) expiries.delete(key);
      if (expiries.size >= maxEntries) {
        // Insertion order is claim order: drop the oldest, expired or not.
        const oldest = expiries.keys().next();
        if (!oldest.done) expiries.delete(oldest.value);
      }
      expiries.set(key, at + ttlMs);
      return true;
    },
  };
}
