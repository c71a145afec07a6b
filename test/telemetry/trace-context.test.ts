/**
 * The W3C Trace Context reader and writer: strict `traceparent` parsing, `tracestate` limits.
 */
import { TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  boundedTracestate,
  formatTraceparent,
  parseTraceContext,
} from '../../src/telemetry/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;

describe('parseTraceContext', () => {
  it('reads a valid version-00 traceparent as a remote span context', () => {
    expect(parseTraceContext(VALID)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(parseTraceContext(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it.each([
    ['empty', ''],
    ['another version', `01-${TRACE}-${SPAN}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['uppercase hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['a short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['a long parent id', `00-${TRACE}-${SPAN}0-01`],
    ['a one-digit flag', `00-${TRACE}-${SPAN}-1`],
    ['non-hex flags', `00-${TRACE}-${SPAN}-0g`],
    ['a trailing field', `${VALID}-extra`],
    ['surrounding spaces', ` ${VALID} `],
    ['a newline', `${VALID}\n`],
    ['underscores', `00_${TRACE}_${SPAN}_01`],
  ])('starts a new trace for a traceparent with %s', (_, value) => {
    expect(parseTraceContext(value, 'vendor=value')).toBeUndefined();
  });

  it('keeps a valid tracestate and drops one over 32 members or 512 characters', () => {
    expect(parseTraceContext(VALID, 'a=1,b=2')?.traceState?.serialize()).toBe('a=1,b=2');
    const members33 = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',');
    expect(parseTraceContext(VALID, members33)).toEqual(parseTraceContext(VALID));
    expect(parseTraceContext(VALID, `a=${'x'.repeat(10 * 1024)}`)?.traceState).toBeUndefined();
    const members32 = Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',');
    expect(parseTraceContext(VALID, members32)?.traceState?.serialize()).toBe(members32);
  });

  it('drops tracestate members that break the W3C grammar', () => {
    expect(parseTraceContext(VALID, 'good=1,BAD KEY=2')?.traceState?.serialize()).toBe('good=1');
  });
});

describe('formatTraceparent', () => {
  it('writes the version-00 form with two hex digits of flags', () => {
    const context = { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED };
    expect(formatTraceparent(context)).toBe(VALID);
    expect(formatTraceparent({ ...context, traceFlags: 0 })).toBe(`00-${TRACE}-${SPAN}-00`);
    expect(parseTraceContext(formatTraceparent(context))).toMatchObject(context);
  });
});

describe('boundedTracestate', () => {
  it('accepts 512 characters and 32 members, not one more', () => {
    expect(boundedTracestate(`a=${'x'.repeat(510)}`)).toHaveLength(512);
    expect(boundedTracestate(`a=${'x'.repeat(511)}`)).toBeUndefined();
    expect(boundedTracestate('')).toBeUndefined();
    expect(boundedTracestate(' , ')).toBeUndefined();
    expect(boundedTracestate(undefined)).toBeUndefined();
  });
});
