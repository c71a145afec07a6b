/** The PostgreSQL transport's table entry; loads pg only when a transport is created. */
import type { BuiltinTransport } from '../builtin.js';
import { MAX_CHANNEL_BYTES, postgresTenantPrefix } from './channels.js';
import type { PostgresTransportOptions } from './options.js';

export const postgresBuiltin = {
  name: 'postgres',
  optionsKey: 'postgres',
  create: async (options) => (await import('./index.js')).postgresTransport(options),
  configuredBy: { fields: ['connectionString', 'connection', 'pool'], variables: ['DATABASE_URL'] },
  channels: { tenantPrefix: postgresTenantPrefix, maxChannelBytes: MAX_CHANNEL_BYTES },
} satisfies BuiltinTransport<'postgres', 'postgres', PostgresTransportOptions>;
