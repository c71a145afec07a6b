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
 * - Transport prefixes: each adapter owns its naming, and the table of built-in transports
 *   (src/adapters/table.ts) points at it: src/adapters/redis/channels.ts
 *   (`<base>:t:<escaped id>:`) and src/adapters/postgres/channels.ts (`<base>_<hex>`, 30
 *   characters). Here: the tenant id and the base, which every transport's prefix starts with.
 * - Tag (`createBus({ tenant })`, header member `ten`): the first 32 lowercase hex digits of the
 *   SHA-256 of `herald-tenant:` followed by the id, in UTF-8.
 *
 * None needs quoting care: all alphabets are plain identifier characters.
 */
import { createHash } from 'node:crypto';
import { BUILTIN_TRANSPORTS, builtin, type PrefixedTransport } from '../adapters/table.js';
import { ConfigError } from '../errors.js';

export type { PrefixedTransport } from '../adapters/table.js';

/** At most 13 characters, so a PostgreSQL tenant prefix keeps at least 64 bits of hash. */
const BASE = /^[A-Za-z][A-Za-z0-9_]{0,12}$/;

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
  const prefix = builtin(transport)?.channels.tenantPrefix;
  if (prefix) return prefix(tenantId, base);
  const prefixed = BUILTIN_TRANSPORTS.filter((e) => e.channels.tenantPrefix);
  throw new ConfigError(`tenantPrefix: unknown transport "${String(transport)}"`, {
    hint: `use ${prefixed.map((e) => `"${e.name}"`).join(' or ')}`,
  });
}
