/** The PostgreSQL transport's table entry; loads pg only when a transport is created. */
import type { BuiltinTransport } from '../builtin.js';
import { MAX_CHANNEL_BYTES, postgresTenantPrefix } from './channels.js';
import type { PostgresTransportOptions } from './options.js';

const FIELDS = ['connectionString', 'connection', 'pool'] as const;

export const postgresBuiltin = {
  name: 'postgres',
  optionsKey: 'postgres',
  create: async (options) => (await import('./index.js')).postgresTransport(options),
  // A connection configures a server; a prefix or timeout alone does not.
  configuredBy(options = {}, env) {
    for (const field of FIELDS)
      if (options[field] !== undefined) return `transportOptions.postgres.${field}`;
    return env.DATABASE_URL ? 'DATABASE_URL' : undefined;
  },
  channels: { tenantPrefix: postgresTenantPrefix, maxChannelBytes: MAX_CHANNEL_BYTES },
} satisfies BuiltinTransport<'postgres', 'postgres', PostgresTransportOptions>;
