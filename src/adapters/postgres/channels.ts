/**
 * PostgreSQL channel names for Herald channels.
 *
 * A NOTIFY channel is an identifier: at most NAMEDATALEN-1 = 63 BYTES. `LISTEN` silently truncates
 * a longer quoted identifier while `pg_notify()` rejects it ("channel name too long"), so two long
 * topics that share their first 63 bytes would collide or fail. Herald therefore derives names
 * deterministically (the same on every node): `<prefix>_<readable part>_<hash>`, where the readable
 * part keeps only `[A-Za-z0-9_.:-]` (other runs become `_`) and is truncated to fit, or left
 * out when nothing readable remains (hash only), and the hash (64 bits of SHA-256 over
 * prefix and channel) keeps names distinct. Names are always quoted in LISTEN/UNLISTEN.
 *
 * A tenant's prefix (docs/transports/postgres.md "Tenant prefixes (normative)") is
 * `<base>_<hex>`, the lowercase hex SHA-256 of the id's UTF-8 bytes cut to fill
 * {@link MAX_PREFIX_CHARS} characters (at least 64 bits). Distinct with overwhelming
 * probability, not by construction; every prefix has the same length, so the channel names of
 * two prefixes differ in their first 30 characters.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../../errors.js';

/** The longest identifier PostgreSQL keeps, in bytes (NAMEDATALEN - 1). */
export const MAX_CHANNEL_BYTES = 63;

/** The longest prefix, in characters. */
export const MAX_PREFIX_CHARS = 30;
/** Prefixes are plain identifiers so that every derived name stays readable and short. */
const PREFIX = new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${MAX_PREFIX_CHARS - 1}}$`);
const HASH_CHARS = 16;
const UNSAFE = /[^A-Za-z0-9_.:-]+/g;

/** Throws a ConfigError unless `prefix` is 1-30 characters of `[A-Za-z0-9_]`, starting with a letter. */
export function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new ConfigError(`postgres transport: prefix "${String(prefix)}" is invalid`, {
      transport: 'postgres',
      hint: 'use 1-30 characters of [A-Za-z0-9_], starting with a letter (e.g. "herald" or "myapp")',
    });
  }
}

/** The PostgreSQL prefix of one tenant (id and base already checked by `tenantPrefix`). */
export function postgresTenantPrefix(tenantId: string, base: string): string {
  const hex = createHash('sha256').update(tenantId, 'utf8').digest('hex');
  return `${base}_${hex.slice(0, MAX_PREFIX_CHARS - base.length - 1)}`;
}

/** The PostgreSQL channel name of a Herald channel: at most 63 bytes, identical on every node. */
export function channelName(prefix: string, channel: string): string {
  const hash = createHash('sha256')
    .update(prefix)
    .update('\u0000')
    .update(channel)
    .digest('hex')
    .slice(0, HASH_CHARS);
  const room = MAX_CHANNEL_BYTES - prefix.length - HASH_CHARS - 2;
  const readable = channel
    .replace(UNSAFE, '_')
    .slice(0, room)
    .replace(/^_+|_+$/g, '');
  // The readable part is ASCII only, so its length in characters is its length in bytes.
  return readable.length > 0 ? `${prefix}_${readable}_${hash}` : `${prefix}_${hash}`;
}

/**
 * The private probe channel of one transport instance. `#` never occurs in names from
 * {@link channelName}, so a probe can never be mistaken for a bus channel.
 */
export function probeChannelName(prefix: string, instance: string): string {
  return `${prefix}#probe#${instance}`;
}

/** Quotes an identifier for SQL (`"` doubled), as LISTEN and UNLISTEN take no parameters. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Byte length of a string in UTF-8, the encoding Herald's connections use. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
