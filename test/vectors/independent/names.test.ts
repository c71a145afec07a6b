/**
 * An outside implementation of Herald's server-side names, written from the docs alone
 * (docs/transports/redis.md "Channel names (normative)", docs/transports/postgres.md "Channel
 * names (normative)", "Tenant prefixes (normative)" and "Claim check (normative)",
 * docs/security.md#tenant-isolation, docs/wire-format.md §2 `ten`). It imports nothing from
 * Herald — only node:crypto and the committed test/vectors/names.json — and recomputes every
 * vector there.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface ChannelVector {
  prefix: string;
  channel: string;
  server: string;
  note: string;
}
interface NamesFile {
  redisChannels: ChannelVector[];
  postgresChannels: ChannelVector[];
  tenants: { tenant: string; base: string; redis: string; postgres: string; tag: string }[];
  claims: {
    prefix: string;
    channel: string;
    instance: string;
    marker: string;
    row: { id: string; channel: string; body: string };
  }[];
  markers: { payload: string; marker: { instance: string; id: string } | null }[];
}

const names = JSON.parse(
  readFileSync(new URL('../names.json', import.meta.url), 'utf8'),
) as NamesFile;

const sha256hex = (...parts: Buffer[]): string =>
  createHash('sha256').update(Buffer.concat(parts)).digest('hex');
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

// ---------------------------------------------------------------- the rules, as the docs state them

/** Redis: the server channel is the prefix followed by the Herald channel. */
const redisChannel = (prefix: string, channel: string): string => prefix + channel;

/** PostgreSQL NOTIFY channel name: `<prefix>_<readable>_<hash>`, or `<prefix>_<hash>`. */
function postgresChannel(prefix: string, channel: string): string {
  // hash: the first 16 lowercase hex digits of SHA-256 over UTF-8(prefix), one 0x00 byte,
  // UTF-8(channel).
  const hash = sha256hex(utf8(prefix), Buffer.from([0]), utf8(channel)).slice(0, 16);
  // readable: each maximal run of characters (code points) outside [A-Za-z0-9_.:-] becomes
  // one "_"; cut to 63 - len(prefix) - 16 - 2 characters; then every "_" at either end removed.
  let readable = '';
  let inRun = false;
  for (const ch of channel) {
    if (/^[A-Za-z0-9_.:-]$/.test(ch)) {
      readable += ch;
      inRun = false;
    } else if (!inRun) {
      readable += '_';
      inRun = true;
    }
  }
  readable = readable.slice(0, 63 - prefix.length - 16 - 2);
  while (readable.startsWith('_')) readable = readable.slice(1);
  while (readable.endsWith('_')) readable = readable.slice(0, -1);
  return readable === '' ? `${prefix}_${hash}` : `${prefix}_${readable}_${hash}`;
}

/** Redis tenant prefix: `<base>:t:<escaped id>:`. */
function redisTenantPrefix(tenant: string, base: string): string {
  // Keep [A-Za-z0-9.-]; every other UTF-16 code unit is "_" and 4 lowercase hex digits.
  let escaped = '';
  for (let i = 0; i < tenant.length; i++) {
    const unit = tenant.charCodeAt(i);
    const ch = String.fromCharCode(unit);
    escaped += /^[A-Za-z0-9.-]$/.test(ch) ? ch : `_${unit.toString(16).padStart(4, '0')}`;
  }
  return `${base}:t:${escaped}:`;
}

/** PostgreSQL tenant prefix: `<base>_` and the SHA-256 hex of UTF-8(id), 30 characters in all. */
const postgresTenantPrefix = (tenant: string, base: string): string =>
  `${base}_${sha256hex(utf8(tenant)).slice(0, 30 - base.length - 1)}`;

/** The tenant tag `ten`: 32 lowercase hex digits of SHA-256(UTF-8("herald-tenant:" + id)). */
const tenantTag = (tenant: string): string =>
  sha256hex(utf8(`herald-tenant:${tenant}`)).slice(0, 32);

/** A claim marker: `~hc1:` + 16 lowercase hex digits + `:` + a lowercase hyphenated UUID. */
function parseMarker(payload: string): { instance: string; id: string } | null {
  const m = /^~hc1:([0-9a-f]{16}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(
    payload,
  );
  return m ? { instance: m[1]!, id: m[2]! } : null;
}

// ---------------------------------------------------------------- checks

describe('names.json, recomputed from the docs alone', () => {
  it('has every kind of case the docs name', () => {
    const pgNotes = names.postgresChannels.map((c) => c.note).join('\n');
    for (const word of ['direct', 'long', 'non-ASCII', 'tenant', 'trimmed', 'nothing readable'])
      expect(pgNotes).toContain(word);
    expect(names.redisChannels.some((c) => c.channel.startsWith('$node:'))).toBe(true);
    expect(names.tenants.length).toBeGreaterThanOrEqual(10);
    expect(names.claims.length).toBeGreaterThanOrEqual(2);
    expect(names.markers.some((m) => m.marker === null)).toBe(true);
  });

  it.each(names.redisChannels.map((v) => [v.note, v] as const))('Redis channel: %s', (_, v) => {
    expect(redisChannel(v.prefix, v.channel)).toBe(v.server);
  });

  it.each(names.postgresChannels.map((v) => [v.note, v] as const))(
    'PostgreSQL channel: %s',
    (_, v) => {
      const name = postgresChannel(v.prefix, v.channel);
      expect(name).toBe(v.server);
      expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[A-Za-z0-9_.:-]+$/);
    },
  );

  it.each(names.tenants.map((v) => [JSON.stringify(v.tenant).slice(0, 40), v] as const))(
    'tenant %s: Redis prefix, PostgreSQL prefix and tag',
    (_, v) => {
      expect(redisTenantPrefix(v.tenant, v.base)).toBe(v.redis);
      expect(postgresTenantPrefix(v.tenant, v.base)).toBe(v.postgres);
      expect(v.postgres).toHaveLength(30);
      expect(tenantTag(v.tenant)).toBe(v.tag);
    },
  );

  it.each(names.claims.map((v) => [v.marker, v] as const))('claim check %s', (_, v) => {
    expect(v.marker).toBe(`~hc1:${v.instance}:${v.row.id}`);
    expect(parseMarker(v.marker)).toEqual({ instance: v.instance, id: v.row.id });
    // The row's channel column holds the NOTIFY channel name, not the Herald channel.
    expect(v.row.channel).toBe(postgresChannel(v.prefix, v.channel));
    // The marker is never mistaken for an envelope: it is not JWS.
    expect(v.marker.startsWith('~')).toBe(true);
  });

  it.each(names.markers.map((v) => [v.payload, v] as const))('NOTIFY payload %s', (_, v) => {
    expect(parseMarker(v.payload)).toEqual(v.marker);
  });
});
