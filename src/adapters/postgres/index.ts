/**
 * The PostgreSQL transport: LISTEN/NOTIFY through `pg`.
 *
 * - A dedicated LISTEN connection (a `pg.Client`, never a pooled one); NOTIFY through
 *   `SELECT pg_notify($1, $2)` from a pool (yours, or one Herald owns). See session.ts.
 * - The publishes of one tick, and those that waited for a busy pool, share one round trip,
 *   each still its own NOTIFY (notifier.ts).
 * - Channel names of at most 63 bytes, derived the same way on every node (channels.ts).
 * - Envelopes over the NOTIFY payload limit go through a claim-check table (claims.ts).
 * - A `SELECT 1` heartbeat with a deadline catches a connection that died silently; a lost
 *   connection is reopened forever, with backoff, and re-LISTENs are confirmed by a round trip.
 *
 * Delivery is at most once, like NOTIFY itself; see docs/transports/postgres.md.
 */
import { ErrorCode } from '../../errors.js';
import type { Transport } from '../transport.js';
import { closeTransport, statusOf } from './close.js';
import { connectTransport } from './connect.js';
import { type PostgresTransportOptions, resolveOptions } from './options.js';
import { createReceiver } from './received.js';
import { publishOn } from './send.js';
import { listenOn, listenTemplate, unlistenOn, unlistenTemplate } from './subscriptions.js';
import { createState, fail, serverName, stateOf } from './transport-state.js';

export { channelName, MAX_CHANNEL_BYTES } from './channels.js';
export {
  DEFAULT_DATABASE_URL,
  NOTIFY_PAYLOAD_LIMIT,
  type PostgresTransportOptions,
} from './options.js';

/** The PostgreSQL transport, with two extras for tests and diagnostics. */
export interface PostgresTransport extends Transport {
  /** The PostgreSQL channel name of a Herald channel (the same on every node). */
  channelName(channel: string): string;
  /**
   * `pg_listening_channels()` as seen by the LISTEN connection itself, including the private
   * probe channel (its name contains `#probe#`). Rejects when not connected.
   */
  listening(): Promise<string[]>;
}

/** Creates a PostgreSQL LISTEN/NOTIFY transport. Invalid options throw a ConfigError here. */
export function postgresTransport(options: PostgresTransportOptions = {}): PostgresTransport {
  const s = createState(resolveOptions(options));
  const receiver = createReceiver(s);
  return {
    name: 'postgres',
    remote: true,
    // Batches fit one NOTIFY, so they never take the claim check's extra round trips.
    batchBytes: s.o.thresholdBytes,
    channelName: (channel) => serverName(s, channel),
    connect: (sink) => connectTransport(s, sink, receiver.received),
    publish: (channel, data, template) => publishOn(s, channel, data, template),
    subscribe: (channel) => listenOn(s, channel),
    unsubscribe: (channel) => unlistenOn(s, channel),
    subscribeTemplate: (template) => listenTemplate(s, template),
    unsubscribeTemplate: (template) => unlistenTemplate(s, template),
    close: () => closeTransport(s),
    async listening() {
      if (!s.session) throw fail(s, ErrorCode.PublishFailed, `not connected (${stateOf(s)})`);
      return s.session.listening();
    },
    status: () => statusOf(s, receiver.pending),
  };
}
