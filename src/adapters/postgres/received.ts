/**
 * Notifications in: a server channel's payload becomes a Herald channel's bytes for the sink,
 * in the order PostgreSQL delivered them (inbox.ts), a claim marker first fetched (claim-fetch.ts).
 * A template channel's messages carry their template, so the bus matches them as a pattern.
 */
import { ConnectionState } from '../transport.js';
import { claimFetcher } from './claim-fetch.js';
import { type ClaimStore, parseClaimMarker } from './claims.js';
import { createInbox } from './inbox.js';
import { isLive, type PgState, stateOf } from './transport-state.js';

/** Creates the receiver of a transport: call it with each notification of a subscribed channel. */
export function createReceiver(s: PgState): {
  received(serverChannel: string, payload: string): void;
  readonly pending: number;
} {
  const inbox = createInbox((channel, data) => {
    if (isLive(s))
      s.sink?.message(channel, data, s.templates.size === 0 ? undefined : s.templates.get(channel));
  });
  const fetchClaim = claimFetcher({
    ttlMs: s.o.ttlMs,
    timeoutMs: s.o.publishTimeoutMs,
    store: () => s.claims as ClaimStore,
    live: () => isLive(s),
    connected: () => stateOf(s) === ConnectionState.Connected,
    sink: () => s.sink,
    counts: s.counts,
    channels: () => s.names.size,
  });
  return {
    received(serverChannel, payload) {
      const channel = s.names.get(serverChannel);
      if (channel === undefined) return;
      const marker = parseClaimMarker(payload);
      // Our own large messages are not fetched back: the bus would drop them as echoes.
      if (!marker) inbox.push(channel, payload);
      else if (marker.instance !== s.instance)
        inbox.push(channel, fetchClaim(marker.id, channel, serverChannel, Date.now()));
    },
    get pending() {
      return inbox.pending;
    },
  };
}
