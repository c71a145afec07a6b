/** The Redis transport's table entry; loads ioredis only when a transport is created. */
import type { BuiltinTransport } from '../builtin.js';
import { redisTenantPrefix } from './channels.js';
import type { RedisTransportOptions } from './options.js';

const FIELDS = ['url', 'host', 'port', 'client', 'cluster'] as const;
const VARIABLES = ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT'] as const;

export const redisBuiltin = {
  name: 'redis',
  optionsKey: 'redis',
  create: async (options) => (await import('./index.js')).redisTransport(options),
  // An address configures a server; a prefix or timeout alone does not.
  configuredBy(options = {}, env) {
    for (const field of FIELDS)
      if (options[field] !== undefined) return `transportOptions.redis.${field}`;
    for (const variable of VARIABLES) if (env[variable]) return variable;
    return undefined;
  },
  channels: { tenantPrefix: redisTenantPrefix },
} satisfies BuiltinTransport<'redis', 'redis', RedisTransportOptions>;
