/**
 * What this node knows of one peer's presences: a replica of the state that peer owns, at one
 * epoch and version. Only the owner changes its state, so replicas never merge: a newer version
 * replaces an older one and an older version is ignored — a late or reordered message can never
 * overwrite newer state (the race of phoenix_pubsub PR #184). A delta applies only on top of the
 * exact version it was made from; anything else asks the peer for its full state.
 */
import type { PresenceMeta } from './types.js';
import type { PresenceView } from './view.js';
import { entryHash, mixDigest, type WireEntry } from './wire.js';

interface Held {
  readonly entry: WireEntry;
  readonly hash: number;
  /** The meta matches the topic's presence schema here (else it is kept but never shown). */
  readonly valid: boolean;
}

/** Checks an entry's topic and meta against the local registry. */
export type EntryCheck = (topic: string, meta: unknown) => boolean;

/** Turns a wire entry of `node` at `epoch` into a listed meta. */
export function listedMeta(node: string, epoch: string, entry: WireEntry): PresenceMeta<unknown> {
  return {
    meta: entry[5],
    ref: `${node}.${epoch}.${entry[3]}`,
    node,
    owner: entry[2],
    onlineAt: entry[4],
  };
}

/** One peer's replicated state. */
export class Replica {
  version = 0;
  digest = 0;
  up = true;
  lastSeen: number;
  /** When we last asked for its full state (local clock). */
  askedAt = Number.NEGATIVE_INFINITY;
  /** A version refused for exceeding the cap: do not ask for it again. */
  refused = -1;
  readonly #entries = new Map<number, Held>();
  #parts: { version: number; count: number; got: Map<number, readonly WireEntry[]> } | undefined;

  constructor(
    readonly node: string,
    readonly epoch: string,
    now: number,
    private readonly view: PresenceView,
    private readonly check: EntryCheck,
    private readonly max: number,
  ) {
    this.lastSeen = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** True while a multi-part state is being assembled. */
  get assembling(): boolean {
    return this.#parts !== undefined;
  }

  /** Applies a delta made from `from`; false when it does not follow our version (ask for state). */
  applyDelta(from: number, to: number, joins: readonly WireEntry[], leaves: readonly number[]) {
    if (from !== this.version) return false;
    if (this.#entries.size + joins.length - leaves.length > this.max) {
      this.refused = to;
      return true;
    }
    for (const ref of leaves) this.#remove(ref);
    for (const entry of joins) this.#add(entry);
    this.version = to;
    return true;
  }

  /** Adds one part of a full state; replaces the replica once every part is in. */
  applyPart(version: number, index: number, count: number, entries: readonly WireEntry[]): void {
    if (this.#parts === undefined || this.#parts.version !== version) {
      if (this.#parts !== undefined && this.#parts.version > version) return;
      this.#parts = { version, count, got: new Map() };
    }
    const parts = this.#parts;
    if (parts.count !== count) return;
    parts.got.set(index, entries);
    if (parts.got.size < count) return;
    this.#parts = undefined;
    const next = new Map<number, WireEntry>();
    for (const part of parts.got.values()) for (const entry of part) next.set(entry[3], entry);
    if (next.size > this.max) {
      this.refused = version;
      return;
    }
    for (const ref of [...this.#entries.keys()]) if (!next.has(ref)) this.#remove(ref);
    for (const [ref, entry] of next) if (!this.#entries.has(ref)) this.#add(entry);
    this.version = version;
  }

  /** Forgets a part-assembled state older than `version`. */
  dropPartsBelow(version: number): void {
    if (this.#parts !== undefined && this.#parts.version <= version) this.#parts = undefined;
  }

  /** Hides its presences (the peer is down); the replica is kept to restore them. */
  down(): void {
    if (!this.up) return;
    this.up = false;
    for (const held of this.#entries.values()) if (held.valid) this.#hide(held.entry);
  }

  /** Shows its presences again (the peer is back). */
  restore(): void {
    if (this.up) return;
    this.up = true;
    for (const held of this.#entries.values()) if (held.valid) this.#show(held.entry);
  }

  /** Hides everything for good (the peer left, restarted or is forgotten). */
  purge(): void {
    if (this.up) for (const held of this.#entries.values()) if (held.valid) this.#hide(held.entry);
    this.#entries.clear();
    this.#parts = undefined;
    this.up = false;
  }

  #add(entry: WireEntry): void {
    if (this.#entries.has(entry[3])) return;
    const held: Held = { entry, hash: entryHash(entry), valid: this.check(entry[0], entry[5]) };
    this.#entries.set(entry[3], held);
    this.digest = mixDigest(this.digest, held.hash, 1);
    if (this.up && held.valid) this.#show(entry);
  }

  #remove(ref: number): void {
    const held = this.#entries.get(ref);
    if (held === undefined) return;
    this.#entries.delete(ref);
    this.digest = mixDigest(this.digest, held.hash, -1);
    if (this.up && held.valid) this.#hide(held.entry);
  }

  #show(entry: WireEntry): void {
    this.view.join(entry[0], entry[1], listedMeta(this.node, this.epoch, entry));
  }

  #hide(entry: WireEntry): void {
    this.view.leave(entry[0], `${this.node}.${this.epoch}.${entry[3]}`);
  }
}
