/**
 * Tenant namespaces: a transport prefix per tenant, derived from any tenant id, such that two
 * tenants on one Redis or one PostgreSQL never share a channel.
 *
 * - Redis (`redisTransport({ prefix })`, where the server channel is `prefix + channel`):
 *   `<base>:t:<escaped id>:`. The escape keeps `[A-Za-z0-9.-]` and writes every other UTF-16
 *   unit as `_` + 4 hex digits, so it is injective and never contains `:`. No tenant's prefix is
 *   then a prefix of another's, and `prefix + channel` names exactly one (tenant, channel) pair.
 * - PostgreSQL (`postgresTransport({ prefix })`, 1-30 characters of `[A-Za-z0-9_]`):
 *   `<base>_<hex>`, the SHA-256 of the id's UTF-16 units cut to fill 30 characters (at least 64
 *   bits). Distinct with overwhelming probability, not by construction; every prefix has the
 *   same length, so the channel names of two prefixes differ in their first 30 characters.
 *
 * Neither needs quoting care: both alphabets are plain identifier characters.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Transports with a prefix option. */
export type PrefixedTransport = 'redis' | 'postgres';

const BASE = /^[A-Za-z][A-Za-z0-9_]{0,12}$/;
const KEEP = /[A-Za-z0-9.-]/;
/** PostgreSQL transport prefixes are at most this long. */
const POSTGRES_PREFIX_CHARS = 30;

/** Escapes a tenant id for a Redis prefix: injective, no `:`. */
export function escapeTenantId(tenantId: string): string {
  let out = '';
  for (let i = 0; i < tenantId.length; i++) {
    const ch = tenantId[i]!;
    out += KEEP.test(ch) ? ch : `_${tenantId.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/**
 * The transport prefix of one tenant.
 * @param tenantId any non-empty string (Unicode, `*`, `:`, quotes, …).
 * @param base what every prefix starts with: 1-13 characters of `[A-Za-z0-9_]`, a letter first.
 * @example redisTransport({ prefix: tenantPrefix(tenant, 'redis') })
 */
export function tenantPrefix(
  tenantId: string,
  transport: PrefixedTransport,
  base = 'herald',
): string {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new ConfigError('tenantPrefix needs a non-empty tenant id', {
      hint: 'pass the tenant id as a string',
    });
  }
  if (!BASE.test(base)) {
    throw new ConfigError(`tenantPrefix: base "${base}" is invalid`, {
      hint: 'use 1-13 characters of [A-Za-z0-9_], starting with a letter',
    });
  }
  if (transport === 'redis') return `${base}:t:${escapeTenantId(tenantId)}:`;
  if (transport === 'postgres') {
    const hex = createHash('sha256').update(Buffer.from(tenantId, 'utf16le')).digest('hex');
    return `${base}_${hex.slice(0, POSTGRES_PREFIX_CHARS - base.length - 1)}`;
  }
  throw new ConfigError(`tenantPrefix: unknown transport "${String(transport)}"`, {
    hint: 'use "redis" or "postgres"',
  });
}
