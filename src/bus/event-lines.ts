/**
 * The one log line of each bus event kind: the lines `attachLogger` (src/telemetry/logger.ts)
 * writes, and the ones the stderr report (report.ts) writes while nothing listens.
 */
import type { BusEvents } from './types.js';

/** The bus events the logger and the report write. */
export type LoggedEvent = keyof BusEvents;

/** One log line: a message, and the fields a structured logger keeps. */
export type Line = readonly [message: string, fields: Record<string, unknown>];

/** An error as `Name: message`, for a log line. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** The log line of each event kind (shared by `attachLogger` and the stderr report). */
export const lines: { readonly [K in LoggedEvent]: (value: BusEvents[K]) => Line } = {
  rejected: (r) => [
    `herald: rejected a message on "${r.channel}" (${r.reason}${r.event === undefined ? '' : `, event "${r.event}"`}${r.node === undefined ? '' : ` from node "${r.node}"`}): ${r.detail}`,
    { ...r },
  ],
  handler_error: (e) => [
    `herald: handler of subscription ${e.subscription} on "${e.topic}" failed on "${e.event}": ${describeError(e.error)}`,
    { topic: e.topic, event: e.event, subscription: e.subscription, error: e.error },
  ],
  overflow: (o) => [
    `herald: subscription ${o.subscription} on "${o.topic}" ${o.policy === 'error' ? 'overflowed its queue' : `dropped ${o.dropped} message(s)`} (${o.policy})`,
    { ...o },
  ],
  slow_consumer: (s) => [
    s.slow
      ? `herald: subscription ${s.subscription} on "${s.topic}" is slow: ${s.pending} message(s) waiting (threshold ${s.threshold})`
      : `herald: subscription ${s.subscription} on "${s.topic}" caught up: ${s.pending} message(s) waiting`,
    { ...s },
  ],
  subscription_error: (s) => [
    `herald: subscription ${s.subscription} on "${s.topic}" was cancelled: ${s.error.message}`,
    { topic: s.topic, subscription: s.subscription, code: s.error.code, error: s.error },
  ],
  dead_letter: (d) => [
    `herald: dead letter: subscription ${d.subscription} (${d.consumer}) on "${d.topic}" gave up message ${d.id} ("${d.event}") after ${d.deliveries} deliveries: ${describeError(d.error)}`,
    { ...d },
  ],
  duplicate_node: (d) => [`herald: duplicate node id: ${d.hint}`, { ...d }],
  connected: (c) => [`herald: connected (${c.transport})`, { ...c }],
  disconnected: (d) => [`herald: disconnected (${d.transport}): ${d.reason}`, { ...d }],
  reconnecting: (r) => [
    `herald: reconnecting (${r.transport}), attempt ${r.attempt} in ${r.delayMs} ms`,
    { ...r },
  ],
  resubscribed: (r) => [
    `herald: resubscribed ${r.channels} channel(s) (${r.transport}) ${r.ms} ms after the disconnect`,
    { ...r },
  ],
  failover: (f) => [`herald: failover from ${f.from} to ${f.to}: ${f.reason}`, { ...f }],
  degraded: (d) => [
    `herald: started on ${d.transport}, not on ${d.preferred}: ${d.reason}`,
    { ...d },
  ],
  gap: (g) => [
    `herald: messages may have been lost (${g.transport}) from ${new Date(g.from).toISOString()} to ${new Date(g.to).toISOString()} (${g.to - g.from} ms): ${g.reason}`,
    { ...g },
  ],
};
