/**
 * Presence messages on the wire. They travel as ordinary signed envelopes on the reserved topic
 * `$presence` (broadcasts) or to one node's `$node:<id>` channel (replies), so the bus signs,
 * verifies, de-duplicates and freshness-checks them like every other message. Their payloads are
 * still checked here field by field: a signature proves who sent bytes, not that they are sane.
 *
 * - `hb`    heartbeat: { e: epoch, v: version, d: digest, n: entries, w?: 1 = "send me your state" }
 * - `delta` a change: { e, v, p: previous version, j: joined entries, l: left refs }
 * - `state` full state, in parts: { e, v, d, i: part index, c: part count, s: entries }
 * - `sync`  "send me your full state" (to one node): { e }
 * - `leave` graceful shutdown: every presence of this epoch is gone: { e }
 *
 * An entry is `[topic, key, owner, ref, onlineAt, meta]`; `ref` counts up within an epoch.
 */
import { randomBytes } from 'node:crypto';

/** The reserved topic (and transport channel) of presence broadcasts. */
export const PRESENCE_CHANNEL = '$presence';

/** Presence message kinds. */
export const PresenceWire = {
  Heartbeat: 'hb',
  Delta: 'delta',
  State: 'state',
  Sync: 'sync',
  Leave: 'leave',
} as const;
/** A presence message kind. */
export type PresenceWire = (typeof PresenceWire)[keyof typeof PresenceWire];

/** One tracked presence as it travels: [topic, key, owner, ref, onlineAt, meta]. */
export type WireEntry = readonly [string, string, string, number, number, unknown];

/** `hb`: the sender's epoch, version, digest and entry count; `w: 1` asks for every peer's state. */
export interface Heartbeat {
  readonly e: string;
  readonly v: number;
  readonly d: number;
  readonly n: number;
  readonly w?: 1;
}
/** `delta`: one change, from version `p` to `v`. */
export interface Delta {
  readonly e: string;
  readonly v: number;
  readonly p: number;
  readonly j: readonly WireEntry[];
  readonly l: readonly number[];
}
/** `state`: part `i` of `c` of the sender's full state at version `v`. */
export interface StatePart {
  readonly e: string;
  readonly v: number;
  readonly d: number;
  readonly i: number;
  readonly c: number;
  readonly s: readonly WireEntry[];
}
/** `sync` and `leave`: the sender's epoch alone. */
export interface EpochOnly {
  readonly e: string;
}

/** A parsed inbound presence message. */
export type Inbound =
  | { readonly kind: 'hb'; readonly body: Heartbeat }
  | { readonly kind: 'delta'; readonly body: Delta }
  | { readonly kind: 'state'; readonly body: StatePart }
  | { readonly kind: 'sync'; readonly body: EpochOnly }
  | { readonly kind: 'leave'; readonly body: EpochOnly };

/**
 * A new epoch: the start time in base 36 (fixed width, so epochs of one node compare as strings
 * in start order) and 6 random hex digits. A restarted node's epoch is greater than its last one.
 */
export function newEpoch(now: number): string {
  // Two buses of one process started in the same ms still get increasing epochs.
  lastEpochTime = Math.max(Math.floor(now), lastEpochTime + 1);
  return `${lastEpochTime.toString(36).padStart(9, '0')}${randomBytes(3).toString('hex')}`;
}
let lastEpochTime = 0;

const EPOCH = /^[0-9a-z]{9}[0-9a-f]{6}$/;
/** Longest presence key or owner, in characters. */
export const MAX_KEY_LENGTH = 256;
const MAX_TOPIC_LENGTH = 2048;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown, max = MAX_KEY_LENGTH): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;

/** True when `v` is a well-formed entry (the meta is checked against its schema elsewhere). */
export function isWireEntry(v: unknown): v is WireEntry {
  return (
    Array.isArray(v) &&
    v.length === 6 &&
    isText(v[0], MAX_TOPIC_LENGTH) &&
    isText(v[1]) &&
    isText(v[2]) &&
    isCount(v[3]) &&
    isCount(v[4])
  );
}

/** Checks an inbound payload; undefined when it is malformed. */
export function parseInbound(event: string, data: unknown): Inbound | undefined {
  if (!isObject(data) || typeof data.e !== 'string' || !EPOCH.test(data.e)) return undefined;
  switch (event) {
    case PresenceWire.Heartbeat:
      if (!isCount(data.v) || !isCount(data.d) || !isCount(data.n)) return undefined;
      if (data.w !== undefined && data.w !== 1) return undefined;
      return { kind: 'hb', body: data as unknown as Heartbeat };
    case PresenceWire.Delta:
      if (!isCount(data.v) || !isCount(data.p) || data.p >= data.v) return undefined;
      if (!Array.isArray(data.j) || !data.j.every(isWireEntry)) return undefined;
      if (!Array.isArray(data.l) || !data.l.every(isCount)) return undefined;
      return { kind: 'delta', body: data as unknown as Delta };
    case PresenceWire.State:
      if (!isCount(data.v) || !isCount(data.d) || !isCount(data.i) || !isCount(data.c)) {
        return undefined;
      }
      if (data.c < 1 || data.i >= data.c) return undefined;
      if (!Array.isArray(data.s) || !data.s.every(isWireEntry)) return undefined;
      return { kind: 'state', body: data as unknown as StatePart };
    case PresenceWire.Sync:
    case PresenceWire.Leave:
      return { kind: event, body: { e: data.e } };
    default:
      return undefined;
  }
}

/**
 * The 32-bit FNV-1a hash of one entry's JSON. A node's digest is the sum of its entries' hashes
 * (mod 2^32): independent of order, and updated in O(1) as entries come and go.
 */
export function entryHash(entry: WireEntry): number {
  const text = JSON.stringify(entry);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Adds (sign 1) or removes (sign -1) an entry hash from a digest. */
export const mixDigest = (digest: number, hash: number, sign: 1 | -1): number =>
  (digest + sign * hash) >>> 0;
