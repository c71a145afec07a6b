/**
 * Transport events and gaps: connection events become bus events; a failover, or a resubscribe
 * after a disconnection, is a gap (messages of the outage may be lost), told to the bus's
 * listeners, to every subscription with `onGap`, and to the system features (system.ts).
 */
import type { TransportEvent } from '../adapters/transport.js';
import { type BusContext, handlerError } from './context.js';
import { allSubscriptions } from './groups.js';
import type { Gap } from './types.js';

/** Handles one event of the bus's transport. */
export function onTransportEvent(ctx: BusContext, event: TransportEvent): void {
  const name = ctx.transport.name;
  const outage = ctx.outage;
  ctx.instrumentation?.transportEvent(event, name);
  switch (event.type) {
    case 'connected':
      ctx.events.emit('connected', { transport: name });
      if (event.degraded !== undefined)
        ctx.events.emit('degraded', { transport: name, ...event.degraded });
      break;
    case 'disconnected':
      // A later loss in the same outage may have started earlier (another connection).
      outage.since = Math.min(outage.since ?? Number.POSITIVE_INFINITY, event.since ?? ctx.now());
      outage.reason = event.reason;
      ctx.events.emit('disconnected', { transport: name, reason: event.reason });
      break;
    case 'reconnecting':
      ctx.events.emit('reconnecting', {
        transport: name,
        attempt: event.attempt,
        delayMs: event.delayMs,
      });
      break;
    case 'failover': {
      const at = ctx.now();
      ctx.events.emit('failover', { from: event.from, to: event.to, reason: event.reason });
      signalGap(ctx, {
        from: outage.since ?? at,
        to: at,
        transport: event.to,
        reason: `failover from ${event.from}: ${event.reason}`,
      });
      outage.since = undefined;
      break;
    }
    case 'resubscribed':
      ctx.events.emit('resubscribed', { transport: name, channels: event.channels, ms: event.ms });
      if (outage.since !== undefined) {
        signalGap(ctx, {
          from: outage.since,
          to: ctx.now(),
          transport: name,
          reason: outage.reason,
        });
        outage.since = undefined;
      }
      break;
  }
}

/** Tells everyone who may have missed messages. */
function signalGap(ctx: BusContext, gap: Gap): void {
  ctx.counters.gaps++;
  for (const client of ctx.system.values()) client.gap?.();
  ctx.instrumentation?.transportEvent({ type: 'gap', from: gap.from, to: gap.to }, gap.transport);
  ctx.events.emit('gap', gap);
  for (const sub of allSubscriptions(ctx)) {
    if (!sub.onGap) continue;
    try {
      sub.onGap(gap);
    } catch (error) {
      handlerError(ctx, sub.topic, 'gap', sub.id, error);
    }
  }
}
