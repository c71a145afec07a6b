/** The Redis transport's table entry; loads ioredis only when a transport is created. */
import type { BuiltinTransport } from '../builtin.js';
import { redisTenantPrefix } from './channels.js';
import type { RedisTransportOptions } from './options.js';

export const redisBuiltin = {
  name: 'redis',
  optionsKey: 'redis',
  create: async (options) => (await import('./index.js')).redisTransport(options),
  configuredBy: {
    fields: ['url', 'host', 'port', 'client', 'cluster'],
    variables: ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT'],
  },
  channels: { tenantPrefix: redisTenantPrefix },
} satisfies BuiltinTransport<'redis', 'redis', RedisTransportOptions>;
