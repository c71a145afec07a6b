/**
 * The receiving side of the claim check: fetching a claim-checked envelope (retrying within its
 * TTL; a missing row is a refusal, an unreadable one a loss signalled as a gap) and the sweeper
 * that deletes expired rows. The transport (index.ts) hands them its state through small ports.
 */
import { ConnectionState, type TransportSink } from '../transport.js';
import type { ClaimStore } from './claims.js';
import { describe } from './sql.js';

/** Claim-check counters the transport reports in its status. */
export interface ClaimCounts {
  claimChecks: number;
  claimsFetched: number;
  claimsMissing: number;
  claimsLost: number;
}

/** What fetching needs from its transport. */
export interface FetchPort {
  readonly ttlMs: number;
  readonly timeoutMs: number;
  store(): ClaimStore;
  live(): boolean;
  connected(): boolean;
  sink(): TransportSink | undefined;
  readonly counts: ClaimCounts;
  /** Channels subscribed, for the `resubscribed` that closes a loss's gap. */
  channels(): number;
}

/**
 * Returns the fetcher of claim-checked envelopes. A row that does not exist is a refusal, not a
 * loss: anyone who can NOTIFY can send a marker, and a marker must not make every subscriber
 * resync (a real row lives `ttlMs`, far longer than a fetch takes). A row that cannot be READ
 * (the pool failing until the TTL ends) is a loss, signalled as a gap.
 */
export function claimFetcher(port: FetchPort) {
  const { counts } = port;
  return async function fetchClaim(
    id: string,
    channel: string,
    serverChannel: string,
    arrived: number,
  ): Promise<string | undefined> {
    const store = port.store();
    const deadline = Date.now() + port.ttlMs;
    let reason = '';
    for (let attempt = 0; port.live() && Date.now() < deadline; attempt++) {
      try {
        const body = await store.fetch(id, serverChannel, port.timeoutMs);
        if (body === undefined) {
          counts.claimsMissing++;
          port
            .sink()
            ?.refused?.(
              channel,
              `claim-check marker names row ${id}, which does not exist on "${serverChannel}" (forged, or expired after claimCheck.ttlMs)`,
            );
          return undefined;
        }
        counts.claimsFetched++;
        return body;
      } catch (cause) {
        reason = describe(cause);
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(100 * 2 ** attempt, 2000)).unref(),
      );
    }
    counts.claimsLost++;
    if (port.live()) {
      // A lost message must be visible. Connected: the bus turns this pair into a gap from the
      // marker's arrival. Reconnecting: `since` stretches the pending outage gap back to it.
      port.sink()?.event({
        type: 'disconnected',
        reason: `claim ${id} unreadable: ${reason || 'no answer'}`,
        since: arrived,
      });
      if (port.connected()) {
        port.sink()?.event({ type: 'resubscribed', channels: port.channels(), ms: 0 });
      }
    }
    return undefined;
  };
}

/** Deletes expired claim rows every `sweepMs` while connected; returns the (unref'd) timer. */
export function startSweeper(
  store: ClaimStore,
  sweepMs: number,
  timeoutMs: number,
  state: () => ConnectionState,
): NodeJS.Timeout {
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping || state() !== ConnectionState.Connected) return;
    sweeping = true;
    store
      .sweep(timeoutMs)
      .catch(() => 0)
      .finally(() => {
        sweeping = false;
      });
  }, sweepMs);
  sweeper.unref();
  return sweeper;
}
