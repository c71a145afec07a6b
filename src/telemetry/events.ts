/**
 * Rejections and transport events as telemetry.
 *
 * Each becomes a short span of its own, in a new trace: these happen outside any handler or
 * publish (a socket callback, a reconnect timer), so adding them to "the active span" would graft
 * them onto whatever unrelated trace happened to be current. A span of its own is searchable by
 * name and status in any APM:
 *
 * - `reject <reason>` (CONSUMER, status ERROR): why an inbound message was refused, on which
 *   channel, and — once the signature verified — which topic, event, node and key.
 * - `transport <event>` (INTERNAL): connected, disconnected (ERROR), reconnecting, resubscribed,
 *   failover, and gap (ERROR), with a span event `herald.transport.<event>` carrying the same
 *   attributes. A gap span starts when the connection was lost and ends when every subscription
 *   was confirmed again, so its duration is the window in which messages may have been lost.
 *
 * Each also counts in its metric: `herald.rejections`, `herald.transport.events`, `herald.gaps`,
 * and the `herald.transport.connection_state` gauge.
 */
import {
  type Attributes,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';
import type { TransportEvent } from '../adapters/transport.js';
import type { Rejection } from '../security/reasons.js';
import { TelemetryAttribute as A } from './attributes.js';
import type { Instruments } from './metrics.js';

/** A transport event or a gap, as the bus reports them. */
export type ReportedTransportEvent =
  | TransportEvent
  | { readonly type: 'gap'; readonly from: number; readonly to: number };

/** Counts a rejection and, with a tracer, records a `reject <reason>` span. */
export function reportRejection(
  tracer: Tracer | undefined,
  instruments: Instruments | undefined,
  rejection: Rejection,
  transport: string,
): void {
  instruments?.rejections.add(1, {
    [A.System]: 'herald',
    [A.Transport]: transport,
    [A.RejectReason]: rejection.reason,
  });
  if (tracer === undefined) return;
  const span = tracer.startSpan(
    `reject ${rejection.reason}`,
    { kind: SpanKind.CONSUMER, root: true },
    ROOT_CONTEXT,
  );
  if (span.isRecording()) {
    const attributes: Attributes = {
      [A.System]: 'herald',
      [A.Transport]: transport,
      [A.OperationType]: 'receive',
      [A.OperationName]: 'reject',
      [A.Channel]: rejection.channel,
      [A.RejectReason]: rejection.reason,
      [A.RejectDetail]: rejection.detail,
      [A.ErrorType]: rejection.reason,
    };
    // Known only once the signature verified (or named by an unverified header: node and kid).
    if (rejection.topic !== undefined) attributes[A.DestinationName] = rejection.topic;
    if (rejection.event !== undefined) attributes[A.Event] = rejection.event;
    if (rejection.node !== undefined) attributes[A.SourceNode] = rejection.node;
    if (rejection.kid !== undefined) attributes[A.KeyId] = rejection.kid;
    if (rejection.field !== undefined) attributes[A.RejectField] = rejection.field;
    span.setAttributes(attributes);
    span.setStatus({ code: SpanStatusCode.ERROR, message: rejection.detail });
  }
  span.end();
}

function eventAttributes(event: ReportedTransportEvent, transport: string): Attributes {
  const attributes: Attributes = {
    [A.System]: 'herald',
    [A.Transport]: transport,
    [A.TransportEvent]: event.type,
  };
  switch (event.type) {
    case 'disconnected':
      attributes[A.TransportReason] = event.reason;
      if (event.since !== undefined) attributes[A.TransportSince] = event.since;
      break;
    case 'reconnecting':
      attributes[A.TransportAttempt] = event.attempt;
      attributes[A.TransportDelayMs] = event.delayMs;
      break;
    case 'resubscribed':
      attributes[A.TransportChannels] = event.channels;
      attributes[A.TransportOutageMs] = event.ms;
      break;
    case 'failover':
      attributes[A.TransportFrom] = event.from;
      attributes[A.TransportTo] = event.to;
      attributes[A.TransportReason] = event.reason;
      break;
    case 'gap':
      attributes[A.GapFrom] = event.from;
      attributes[A.GapTo] = event.to;
      attributes[A.GapDurationMs] = Math.max(0, event.to - event.from);
      break;
  }
  return attributes;
}

/** Tracks connection state, counts the event and, with a tracer, records a `transport <event>` span. */
export function reportTransportEvent(
  tracer: Tracer | undefined,
  instruments: Instruments | undefined,
  states: Map<string, number>,
  event: ReportedTransportEvent,
  transport: string,
): void {
  switch (event.type) {
    case 'connected':
    case 'resubscribed':
      states.set(transport, 1);
      break;
    case 'disconnected':
    case 'reconnecting':
      states.set(transport, 0);
      break;
    case 'failover':
      states.set(event.from, 0);
      states.set(event.to, 1);
      break;
  }
  if (instruments !== undefined) {
    const counted = { [A.System]: 'herald', [A.Transport]: transport };
    instruments.transportEvents.add(1, { ...counted, [A.TransportEvent]: event.type });
    if (event.type === 'gap') instruments.gaps.add(1, counted);
  }
  if (tracer === undefined) return;
  const gap = event.type === 'gap';
  const span = tracer.startSpan(
    `transport ${event.type}`,
    { kind: SpanKind.INTERNAL, root: true, ...(gap ? { startTime: event.from } : {}) },
    ROOT_CONTEXT,
  );
  if (span.isRecording()) {
    const attributes = eventAttributes(event, transport);
    span.setAttributes(attributes);
    span.addEvent(`herald.transport.${event.type}`, attributes);
    if (event.type === 'disconnected') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.reason });
    } else if (gap) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `messages may have been lost for ${Math.max(0, event.to - event.from)} ms`,
      });
    }
  }
  span.end(gap ? Math.max(event.to, event.from) : undefined);
}
