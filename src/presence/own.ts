/**
 * This node's own presences: the only state it ever changes. Every change bumps the version and
 * is described as a delta (joined entries, left refs); the digest — the sum of the entries'
 * hashes — follows in O(1). The visible view is updated at once, so local listings and
 * subscribers see a change before any peer does.
 */
import { listedMeta } from './replica.js';
import type { PresenceView } from './view.js';
import { entryHash, mixDigest, type WireEntry } from './wire.js';

/** Most entries per `state` message part. */
export const STATE_PART_SIZE = 200;
/** Most entry bytes (JSON) per `state` message part, well under the default 2 MiB message cap. */
export const STATE_PART_BYTES = 256 * 1024;

interface Own {
  readonly entry: WireEntry;
  readonly hash: number;
  /** Length of the entry's JSON. */
  readonly size: number;
}

/** One change to send: the version it leads from and to, and what joined and left. */
export interface OwnChange {
  readonly from: number;
  readonly to: number;
  readonly joins: readonly WireEntry[];
  readonly leaves: readonly number[];
}

const ownId = (topic: string, key: string, owner: string): string =>
  `${topic}\u0000${key}\u0000${owner}`;

/** The presences one node owns, at one epoch. */
export class OwnPresences {
  epoch = '';
  version = 0;
  digest = 0;
  #counter = 0;
  readonly #own = new Map<string, Own>();

  constructor(
    private readonly node: string,
    private readonly view: PresenceView,
  ) {}

  get size(): number {
    return this.#own.size;
  }

  /** Starts a new epoch, empty. */
  reset(epoch: string): void {
    this.epoch = epoch;
    this.version = 0;
    this.digest = 0;
    this.#counter = 0;
    this.#own.clear();
  }

  /** The current meta of one presence, or undefined. */
  current(topic: string, key: string, owner: string): unknown {
    return this.#own.get(ownId(topic, key, owner))?.entry[5];
  }

  /** The public ref of an entry. */
  ref(entry: WireEntry): string {
    return `${this.node}.${this.epoch}.${entry[3]}`;
  }

  /** The ref of one presence, if tracked. */
  refOf(topic: string, key: string, owner: string): string | undefined {
    const own = this.#own.get(ownId(topic, key, owner));
    return own && this.ref(own.entry);
  }

  /** Tracks or updates; undefined when the meta is the same (nothing changes). */
  put(topic: string, key: string, owner: string, meta: unknown, now: number) {
    const id = ownId(topic, key, owner);
    const old = this.#own.get(id);
    if (old && JSON.stringify(old.entry[5]) === JSON.stringify(meta)) return undefined;
    const entry: WireEntry = [topic, key, owner, ++this.#counter, old ? old.entry[4] : now, meta];
    const own: Own = { entry, hash: entryHash(entry), size: JSON.stringify(entry).length };
    if (old) this.#drop(id, old);
    this.#own.set(id, own);
    this.digest = mixDigest(this.digest, own.hash, 1);
    this.view.join(topic, key, listedMeta(this.node, this.epoch, entry));
    return { entry, change: this.#bump([entry], old ? [old.entry[3]] : []) };
  }

  /** Untracks the presences matching `match`; undefined when there was none. */
  remove(match: (entry: WireEntry) => boolean): OwnChange | undefined {
    const left: number[] = [];
    for (const [id, own] of this.#own) {
      if (!match(own.entry)) continue;
      this.#drop(id, own);
      left.push(own.entry[3]);
    }
    return left.length > 0 ? this.#bump([], left) : undefined;
  }

  /** Untracks one presence by identity. */
  removeOne(topic: string, key: string, owner: string): OwnChange | undefined {
    const own = this.#own.get(ownId(topic, key, owner));
    return own ? this.remove((entry) => entry === own.entry) : undefined;
  }

  /** The full state, split into parts of at most STATE_PART_SIZE entries / STATE_PART_BYTES. */
  parts(): WireEntry[][] {
    const parts: WireEntry[][] = [[]];
    let bytes = 0;
    for (const own of this.#own.values()) {
      let part = parts[parts.length - 1] as WireEntry[];
      const full = part.length === STATE_PART_SIZE || bytes + own.size > STATE_PART_BYTES;
      if (part.length > 0 && full) {
        parts.push((part = []));
        bytes = 0;
      }
      part.push(own.entry);
      bytes += own.size;
    }
    return parts;
  }

  #drop(id: string, own: Own): void {
    this.#own.delete(id);
    this.digest = mixDigest(this.digest, own.hash, -1);
    this.view.leave(own.entry[0], this.ref(own.entry));
  }

  #bump(joins: WireEntry[], leaves: number[]): OwnChange {
    this.view.flush();
    const from = this.version++;
    return { from, to: this.version, joins, leaves };
  }
}
