/**
 * Tenant namespaces: a transport prefix per tenant, derived from any tenant id, such that two
 * tenants on one Redis or one PostgreSQL never share a channel; and the tenant tag a bus signs
 * into every header, so a message cannot be replayed from one tenant's namespace into another's
 * even when the tenants share a key. Normative: docs/security.md#tenant-isolation and
 * docs/transports/{redis,postgres}.md "Tenant prefixes (normative)".
 *
 * A tenant id is a non-empty string of Unicode scalar values (a lone surrogate has no UTF-8
 * encoding, so no other implementation could name it; it is refused).
 *
 * - Redis (`redisTransport({ prefix })`, where the server channel is `prefix + channel`):
 *   `<base>:t:<escaped id>:`. The escape keeps `[A-Za-z0-9.-]` and writes every other UTF-16
 *   code unit as `_` + 4 LOWERCASE hex digits, so it is injective and never contains `:`. No
 *   tenant's prefix is then a prefix of another's, and `prefix + channel` names exactly one
 *   (tenant, channel) pair.
 * - PostgreSQL (`postgresTransport({ prefix })`, 1-30 characters of `[A-Za-z0-9_]`):
 *   `<base>_<hex>`, the lowercase hex SHA-256 of the id's UTF-8 bytes cut to fill 30 characters
 *   (at least 64 bits). Distinct with overwhelming probability, not by construction; every
 *   prefix has the same length, so the channel names of two prefixes differ in their first 30
 *   characters.
 * - Tag (`createBus({ tenant })`, header member `ten`): the first 32 lowercase hex digits of the
 *   SHA-256 of `herald-tenant:` followed by the id, in UTF-8.
 *
 * None needs quoting care: all alphabets are plain identifier characters.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Transports with a prefix option. */
export type PrefixedTransport = 'redis' | 'postgres';

const BASE = /^[A-Za-z][A-Za-z0-9_]{0,12}$/;
const KEEP = /[A-Za-z0-9.-]/;
/** PostgreSQL transport prefixes are at most this long. */
const POSTGRES_PREFIX_CHARS = 30;

/** With the `u` flag a surrogate pair is one code point, so this matches lone surrogates only. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Domain separation of the tag's hash from the PostgreSQL prefix's hash of the same id. */
const TAG_DOMAIN = 'herald-tenant:';
/** Hex digits of a tenant tag (128 bits). */
const TAG_CHARS = 32;

/** Throws a ConfigError unless `tenantId` is a non-empty string of Unicode scalar values. */
export function checkTenantId(
  tenantId: unknown,
  what = 'tenantPrefix',
): asserts tenantId is string {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new ConfigError(`${what} needs a non-empty tenant id`, {
      hint: 'pass the tenant id as a string',
    });
  }
  if (LONE_SURROGATE.test(tenantId)) {
    throw new ConfigError(`${what}: tenant id ${JSON.stringify(tenantId)} has a lone surrogate`, {
      hint: 'a tenant id must be valid Unicode (it is hashed as UTF-8); repair the string',
    });
  }
}

/**
 * The tenant tag a bus signs into every header (`ten`): 32 lowercase hex digits of
 * SHA-256(UTF-8(`herald-tenant:` + id)).
 */
export function tenantTag(tenantId: string): string {
  checkTenantId(tenantId, 'createBus({ tenant })');
  return createHash('sha256')
    .update(`${TAG_DOMAIN}${tenantId}`, 'utf8')
    .digest('hex')
    .slice(0, TAG_CHARS);
}

/** Escapes a tenant id for a Redis prefix: injective, no `:`; hex digits in lowercase. */
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
  checkTenantId(tenantId);
  if (!BASE.test(base)) {
    throw new ConfigError(`tenantPrefix: base "${base}" is invalid`, {
      hint: 'use 1-13 characters of [A-Za-z0-9_], starting with a letter',
    });
  }
  if (transport === 'redis') return `${base}:t:${escapeTenantId(tenantId)}:`;
  if (transport === 'postgres') {
    const hex = createHash('sha256').update(tenantId, 'utf8').digest('hex');
    return `${base}_${hex.slice(0, POSTGRES_PREFIX_CHARS - base.length - 1)}`;
  }
  throw new ConfigError(`tenantPrefix: unknown transport "${String(transport)}"`, {
    hint: 'use "redis" or "postgres"',
  });
}
