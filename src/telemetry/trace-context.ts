/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) for the envelope: formats the
 * publisher's span context, and reads an inbound one as untrusted input.
 *
 * Inbound rules: only version `00` with exactly 55 lowercase characters is accepted; a trace id
 * or parent id of all zeros is invalid (§3.2.2.3, §3.2.2.4); anything else means "no parent" and
 * the consumer starts a new trace. `tracestate` is dropped whole when it exceeds the limits a
 * vendor must support (§3.3.1.1: 32 list members, 512 characters), and is ignored without a
 * valid `traceparent` (§3.3: it is only meaningful alongside one).
 */
import { createTraceState, type SpanContext } from '@opentelemetry/api';

/** Most list members a `tracestate` may carry (W3C Trace Context §3.3.1.1). */
export const MAX_TRACESTATE_MEMBERS = 32;
/** Longest `tracestate` accepted, in characters (W3C Trace Context §3.3.1.1). */
export const MAX_TRACESTATE_CHARS = 512;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/** The `traceparent` of a span context: `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(context: SpanContext): string {
  const flags = context.traceFlags & 0xff;
  return `00-${context.traceId}-${context.spanId}-${flags < 16 ? '0' : ''}${flags.toString(16)}`;
}

/** A `tracestate` within the W3C limits, or undefined when it is empty or over them. */
export function boundedTracestate(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0 || value.length > MAX_TRACESTATE_CHARS) {
    return undefined;
  }
  let members = 0;
  for (const member of value.split(',')) {
    if (member.trim().length > 0 && ++members > MAX_TRACESTATE_MEMBERS) return undefined;
  }
  return members === 0 ? undefined : value;
}

/**
 * The remote span context described by an inbound `traceparent`/`tracestate`, or undefined when
 * the `traceparent` is missing or malformed (the consumer then starts a new trace).
 */
export function parseTraceContext(
  traceparent: string | undefined,
  tracestate?: string,
): SpanContext | undefined {
  if (traceparent === undefined || traceparent.length !== 55) return undefined;
  const match = TRACEPARENT.exec(traceparent);
  if (match === null) return undefined;
  const traceId = match[1]!;
  const spanId = match[2]!;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const state = boundedTracestate(tracestate);
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
    // createTraceState drops members whose key or value breaks the §3.3.1.3 grammar.
    ...(state === undefined ? {} : { traceState: createTraceState(state) }),
  };
}
