/** The NATS transport's table entry; loads nats.js only when a transport is created. */
import type { BuiltinTransport } from '../builtin.js';
import type { NatsTransportOptions } from './options.js';
import { MAX_SUBJECT_BYTES, natsTenantPrefix } from './subjects.js';

export const natsBuiltin = {
  name: 'nats',
  optionsKey: 'nats',
  create: async (options) => (await import('./index.js')).natsTransport(options),
  // An address configures a server; a prefix or timeout alone does not.
  configuredBy: { fields: ['url', 'servers'], variables: ['NATS_URL'] },
  groups: true,
  durable: true,
  channels: { tenantPrefix: natsTenantPrefix, maxChannelBytes: MAX_SUBJECT_BYTES },
} satisfies BuiltinTransport<'nats', 'nats', NatsTransportOptions>;
