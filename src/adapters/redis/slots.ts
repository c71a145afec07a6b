/**
 * Redis Cluster slots: which master owns a channel. A shard channel hashes like a key
 * (CRC16/XMODEM of the name, or of its `{hash tag}`, modulo 16384; Redis Cluster spec, "Keys
 * distribution model"), and the slot map comes from `CLUSTER SLOTS`.
 */
import type { RedisNode } from './options.js';

/** Number of hash slots in a Redis Cluster. */
export const SLOTS = 16384;

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

const encoder = new TextEncoder();

/** The hash slot of a key or shard channel, honouring `{hash tags}`. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(encoder.encode(key.slice(open + 1, close))) % SLOTS;
  }
  return crc16(encoder.encode(key)) % SLOTS;
}

/** `host:port` of a node. */
export const nodeKey = (node: RedisNode): string => `${node.host}:${node.port}`;

/** Which master serves each slot. */
export interface SlotMap {
  /** The master owning `slot`, if the cluster covers it. */
  owner(slot: number): RedisNode | undefined;
  /** Every master, once. */
  readonly masters: readonly RedisNode[];
}

/**
 * Parses a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, ...], ...replicas], ...]`.
 * An empty host means "the node you asked" (`fallbackHost`).
 */
export function parseClusterSlots(reply: unknown, fallbackHost: string): SlotMap {
  const owners: (RedisNode | undefined)[] = new Array(SLOTS).fill(undefined);
  const masters = new Map<string, RedisNode>();
  if (!Array.isArray(reply)) throw new Error('CLUSTER SLOTS did not return an array');
  for (const range of reply) {
    if (!Array.isArray(range) || range.length < 3) continue;
    const [start, end, master] = range as [unknown, unknown, unknown];
    if (!Array.isArray(master)) continue;
    const host = String(master[0] ?? '') || fallbackHost;
    const node = { host, port: Number(master[1]) };
    const key = nodeKey(node);
    const known = masters.get(key) ?? node;
    masters.set(key, known);
    for (let slot = Number(start); slot <= Number(end) && slot < SLOTS; slot++)
      owners[slot] = known;
  }
  return { owner: (slot) => owners[slot], masters: [...masters.values()] };
}
