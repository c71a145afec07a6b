/**
 * Redis channel names. The server channel of a Herald channel is `prefix + channel` (Redis
 * takes any bytes and has no length limit that matters here). Normative:
 * docs/transports/redis.md "Tenant prefixes (normative)".
 *
 * A tenant's prefix is `<base>:t:<escaped id>:`. The escape keeps `[A-Za-z0-9.-]` and writes
 * every other UTF-16 code unit as `_` + 4 LOWERCASE hex digits, so it is injective and never
 * contains `:`. No tenant's prefix is then a prefix of another's, and `prefix + channel` names
 * exactly one (tenant, channel) pair.
 */

const KEEP = /[A-Za-z0-9.-]/;

/** Escapes a tenant id for a Redis prefix: injective, no `:`; hex digits in lowercase. */
export function escapeTenantId(tenantId: string): string {
  let out = '';
  for (let i = 0; i < tenantId.length; i++) {
    const ch = tenantId[i]!;
    out += KEEP.test(ch) ? ch : `_${tenantId.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** The Redis prefix of one tenant (id and base already checked by `tenantPrefix`). */
export function redisTenantPrefix(tenantId: string, base: string): string {
  return `${base}:t:${escapeTenantId(tenantId)}:`;
}
