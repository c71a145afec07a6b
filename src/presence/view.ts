/**
 * The visible presences of this node — its own and those of every peer that is up — indexed by
 * topic, and the presence subscribers. Changes are collected while one operation runs (a track,
 * a peer's delta or state, a peer going down) and flushed as one net diff per topic: a join and a
 * leave of the same ref cancel out, and leaves are recorded before joins so that an update's new
 * meta carries the ref it replaced.
 */
import type {
  PresenceDiff,
  PresenceEvent,
  PresenceFetch,
  PresenceListing,
  PresenceMeta,
  PresenceSubscription,
} from './types.js';

type Meta = PresenceMeta<unknown>;
type Event = PresenceEvent<unknown, unknown>;

interface Change {
  readonly kind: 'join' | 'leave';
  readonly key: string;
  readonly meta: Meta;
}

/** A queued event: a snapshot of the state, or a diff, taken when it happened. */
type Item =
  | { readonly kind: 'state'; readonly listing: PresenceListing<unknown> }
  | { readonly kind: 'diff'; readonly diff: PresenceDiff<unknown> };

interface Sub extends PresenceSubscription {
  readonly fetch: PresenceFetch<unknown, unknown> | undefined;
  readonly handler: (event: Event) => void | Promise<void>;
  readonly limit: number;
  readonly queue: Item[];
  running: boolean;
  active: boolean;
  resets: number;
}

const identity = (meta: Meta, key: string): string => `${meta.node}\u0000${meta.owner}\u0000${key}`;

/** Sorts metas by tracking time, then ref, so every node lists them in the same order. */
const byTime = (a: Meta, b: Meta): number =>
  a.onlineAt - b.onlineAt || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);

function group(changes: Iterable<{ key: string; meta: Meta }>): Record<string, { metas: Meta[] }> {
  const out: Record<string, { metas: Meta[] }> = Object.create(null);
  for (const { key, meta } of changes) (out[key] ??= { metas: [] }).metas.push(meta);
  for (const entry of Object.values(out)) entry.metas.sort(byTime);
  return out;
}

/** The view; `onError` receives what a subscriber's handler or fetch threw. */
export class PresenceView {
  readonly #topics = new Map<string, Map<string, { key: string; meta: Meta }>>();
  readonly #subs = new Map<string, Set<Sub>>();
  readonly #pending = new Map<string, Map<string, Change>>();
  readonly #left = new Map<string, string>();

  constructor(private readonly onError: (topic: string, error: unknown) => void) {}

  /** Presences visible on a topic. */
  size(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /** Records a presence becoming visible. */
  join(topic: string, key: string, meta: Meta): void {
    const prev = this.#left.get(`${topic}\u0000${identity(meta, key)}`);
    const shown = prev !== undefined && prev !== meta.ref ? { ...meta, prevRef: prev } : meta;
    let refs = this.#topics.get(topic);
    if (!refs) this.#topics.set(topic, (refs = new Map()));
    refs.set(shown.ref, { key, meta: shown });
    this.#note(topic, { kind: 'join', key, meta: shown });
  }

  /** Records a presence no longer visible. */
  leave(topic: string, ref: string): void {
    const refs = this.#topics.get(topic);
    const found = refs?.get(ref);
    if (!refs || !found) return;
    refs.delete(ref);
    if (refs.size === 0) this.#topics.delete(topic);
    this.#left.set(`${topic}\u0000${identity(found.meta, found.key)}`, ref);
    this.#note(topic, { kind: 'leave', key: found.key, meta: found.meta });
  }

  #note(topic: string, change: Change): void {
    let changes = this.#pending.get(topic);
    if (!changes) this.#pending.set(topic, (changes = new Map()));
    const earlier = changes.get(change.meta.ref);
    if (earlier !== undefined && earlier.kind !== change.kind) changes.delete(change.meta.ref);
    else changes.set(change.meta.ref, change);
  }

  /** Ends an operation: hands each touched topic's net diff to its subscribers. */
  flush(): void {
    this.#left.clear();
    if (this.#pending.size === 0) return;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [topic, changes] of pending) {
      const subs = this.#subs.get(topic);
      if (!subs || changes.size === 0) continue;
      const all = [...changes.values()];
      const diff: PresenceDiff<unknown> = {
        joins: group(all.filter((c) => c.kind === 'join')),
        leaves: group(all.filter((c) => c.kind === 'leave')),
      };
      for (const sub of subs) this.#enqueue(topic, sub, { kind: 'diff', diff });
    }
  }

  /** The topic's presences by key. */
  list(topic: string): PresenceListing<unknown> {
    return group(this.#topics.get(topic)?.values() ?? []);
  }

  /** Adds a subscriber; its first event is the topic's state. */
  subscribe(
    topic: string,
    handler: (event: Event) => void | Promise<void>,
    fetch: PresenceFetch<unknown, unknown> | undefined,
    limit: number,
  ): PresenceSubscription {
    let subs = this.#subs.get(topic);
    if (!subs) this.#subs.set(topic, (subs = new Set()));
    const set = subs;
    const sub: Sub = {
      topic,
      fetch,
      handler,
      limit,
      queue: [],
      running: false,
      active: true,
      resets: 0,
      get pending() {
        return this.queue.length;
      },
      unsubscribe: () => {
        sub.active = false;
        sub.queue.length = 0;
        set.delete(sub);
        if (set.size === 0 && this.#subs.get(topic) === set) this.#subs.delete(topic);
      },
    };
    subs.add(sub);
    this.#enqueue(topic, sub, { kind: 'state', listing: this.list(topic) });
    return sub;
  }

  /** Removes every subscriber. */
  clear(): void {
    for (const subs of this.#subs.values()) for (const sub of subs) sub.unsubscribe();
    this.#topics.clear();
    this.#pending.clear();
  }

  #enqueue(topic: string, sub: Sub, item: Item): void {
    sub.queue.push(item);
    if (sub.queue.length > sub.limit) {
      // A slow subscriber skips the diffs it has not seen: one fresh state replaces them.
      sub.queue.length = 0;
      sub.queue.push({ kind: 'state', listing: this.list(topic) });
      sub.resets++;
    }
    if (!sub.running) {
      sub.running = true;
      void this.#run(topic, sub);
    }
  }

  async #run(topic: string, sub: Sub): Promise<void> {
    // Let the operation that queued this finish first (the caller's own flush, a burst of diffs).
    await Promise.resolve();
    while (sub.active && sub.queue.length > 0) {
      const item = sub.queue.shift();
      if (item === undefined) break;
      try {
        await sub.handler(await this.#event(topic, sub, item));
      } catch (error) {
        this.onError(topic, error);
      }
    }
    sub.running = false;
  }

  async #event(topic: string, sub: Sub, item: Item): Promise<Event> {
    const fetch = sub.fetch;
    if (item.kind === 'state') {
      const listing = item.listing;
      return {
        topic,
        event: 'presence_state',
        payload: fetch ? await fetch(topic, listing) : listing,
      };
    }
    const { joins, leaves } = item.diff;
    return {
      topic,
      event: 'presence_diff',
      payload: fetch
        ? { joins: await fetch(topic, joins), leaves: await fetch(topic, leaves) }
        : item.diff,
    };
  }
}
