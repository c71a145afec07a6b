/**
 * Loud by default: what goes wrong on a bus that nobody listens to is written to stderr.
 *
 * A new user attaches no `rejected` listener on day one; a wrong secret on a publisher then
 * showed up only as a counter in `stats()` (issue 15). So a bus reports, while no listener and
 * no logger take them: rejections, handler errors, overflow drops, cancelled subscriptions,
 * disconnects, failovers, degraded starts and gaps, each line naming the topic, the event, the
 * reason and the fix. Lines are the ones `attachLogger` writes (event-lines.ts), plus the fix.
 *
 * Invariant: per reason (a rejection reason, a subscription, a transport), the first occurrence
 * is written at once, then at most one summary line per `intervalMs` with the count it
 * suppressed; a flood of forged messages writes a handful of lines, not one per message.
 * `createBus({ log: false })` silences it, `log: line => ...` or `log: stream` redirects it,
 * `bus.on(kind, ...)` takes one kind off it and `attachLogger(bus)` takes all.
 */
import { SERVER_VARIABLES } from '../adapters/table.js';
import type { Rejection } from '../security/reasons.js';
import { type LoggedEvent, lines } from './event-lines.js';
import type { BusEvents } from './types.js';

/** Where report lines go: a function of one line, or a stream such as `process.stderr`. */
export type LogWriter = ((line: string) => void) | { write(text: string): unknown };

/** Options of the stderr report, `createBus({ log })`. */
export interface ReportOptions {
  /**
   * Where lines go.
   * @default process.stderr
   */
  readonly to?: LogWriter;
  /**
   * After the first line of a reason, at most one summary line per reason in this many ms.
   * @default 10000
   */
  readonly intervalMs?: number;
}

/** What `createBus({ log })` accepts: `false` silences the report. */
export type LogOption = false | LogWriter | ReportOptions;

/** The event kinds the report writes; the others (connected, slow_consumer, ...) are routine. */
const REPORTED = new Set<LoggedEvent>([
  'rejected',
  'handler_error',
  'overflow',
  'subscription_error',
  'disconnected',
  'failover',
  'degraded',
  'gap',
  'duplicate_node',
  'dead_letter',
]);

/** Most reasons tracked at once; beyond, reasons share one key per kind (bounded memory). */
const MAX_KEYS = 1000;

/** What to do about each rejection reason. Reasons not listed get {@link REJECTION_FIX}. */
const REJECTION_FIXES: Readonly<Partial<Record<Rejection['reason'], string>>> = {
  bad_signature:
    'every node must hold the same secret for this key id (HERALD_KEYS); a node with another secret, or a forger, sent it',
  unknown_key:
    "the sender signs with a key id this node does not accept: add it to this node's keys, or make the sender use a shared one",
  retired_key: 'the sender still signs with a retired key: give it the current keys',
  algorithm_mismatch: 'pin the same algorithm for this key id on every node',
  expired: 'check the clocks of both nodes (NTP), or widen freshness.pastMs',
  future: 'check the clocks of both nodes (NTP), or widen freshness.futureMs',
  replay:
    'the same message id arrived twice: somebody re-sent captured bytes, or a transport duplicated them',
  topic_mismatch:
    'a signed message was moved to another channel: check who writes to the transport',
  unknown_topic:
    "the sender's registry declares this topic and this node's does not: deploy the same registry",
  unknown_event:
    "the sender's registry declares this event and this node's does not: deploy the same registry",
  unsupported_version:
    'deploy the newer registry here, or declare the version with an upcaster (docs/schema-evolution.md)',
  invalid_payload: "the sender's schema differs from this node's: deploy the same registry version",
  duplicate_node: 'two running processes share one nodeId: give each its own',
  forbidden_topic:
    "the sender's key is not scoped to this topic: publish with a key whose scopes cover it",
  replay_unchecked:
    'the shared replay store did not answer: check it, or set freshness.shared.failOpen',
};
const REJECTION_FIX =
  'something that is not a Herald node with your keys writes to this channel, or a limit (limits.*) is lower than on the sender';

const FIXES: { readonly [K in LoggedEvent]?: (value: BusEvents[K]) => string } = {
  rejected: (r) => REJECTION_FIXES[r.reason] ?? REJECTION_FIX,
  handler_error: () => 'fix the handler or catch inside it; this message is not redelivered to it',
  overflow: () =>
    'the handler is slower than its publishers: make it faster, raise queue.limit or queue.concurrency, or use latestOnly / throttle',
  subscription_error: (s) => s.error.hint ?? 'subscribe again',
  disconnected: (d) =>
    `messages published meanwhile may be lost; Herald reconnects and reports a gap. Check that the ${d.transport} server runs`,
  failover: (f) => `check ${f.from}; the chain fails back once it has been healthy for a while`,
  degraded: (d) =>
    d.transport === 'local'
      ? `only buses in this process receive this bus's messages, and it hears no other process: start ${d.preferred} or fix its connection (${SERVER_VARIABLES}), or name one transport so that start() fails instead`
      : `processes on ${d.preferred} do not receive this bus's messages: start ${d.preferred} or fix its connection, or name one transport so that start() fails instead`,
  gap: () =>
    "resync from your source of truth in a bus.on('gap') listener or a subscription's onGap",
  duplicate_node: () =>
    'give every running process its own nodeId (createBus({ nodeId }), or leave it out for a random one)',
};

/** The rate-limit key of an event: its kind and reason. */
function keyOf<K extends LoggedEvent>(kind: K, value: BusEvents[K]): string {
  const v = value as Partial<Record<string, unknown>>;
  switch (kind) {
    case 'rejected':
      return `rejected:${String(v.reason)}`;
    case 'handler_error':
    case 'overflow':
    case 'subscription_error':
      return `${kind}:${String(v.subscription)}`;
    case 'failover':
      return `failover:${String(v.from)}>${String(v.to)}`;
    case 'duplicate_node':
      return `duplicate_node:${String(v.epoch)}`;
    default:
      return `${kind}:${String(v.transport)}`;
  }
}

interface Pending {
  /** When the last line for this key was written. */
  wrote: number;
  suppressed: number;
  /** The last suppressed event, formatted only if a summary is written. */
  last: () => string;
  timer: NodeJS.Timeout | undefined;
}

/** The report line of an event: the logger's line (its first line) and the fix. */
function format<K extends LoggedEvent>(kind: K, value: BusEvents[K]): string {
  const message = lines[kind](value)[0].split('\n')[0]!;
  const fix = (FIXES[kind] as ((v: BusEvents[K]) => string) | undefined)?.(value);
  return fix === undefined ? message : `${message}. Fix: ${fix}`;
}

/** The report: receives unheard bus events; `flush()` writes pending summaries. */
export interface Reporter {
  report<K extends keyof BusEvents>(kind: K, value: BusEvents[K]): void;
  /** Writes the summaries still waiting for their interval (at `stop()`). */
  flush(): void;
}

/** Creates the stderr report of one bus, or undefined when `log` is `false`. */
export function createReporter(log: LogOption | undefined): Reporter | undefined {
  if (log === false) return undefined;
  const options: ReportOptions =
    log === undefined ? {} : typeof log === 'function' || 'write' in log ? { to: log } : log;
  const to = options.to ?? process.stderr;
  const intervalMs = options.intervalMs ?? 10_000;
  const pending = new Map<string, Pending>();
  let introduced = false;

  const write = (line: string): void => {
    try {
      if (typeof to === 'function') to(line);
      else to.write(`${line}\n`);
    } catch {
      // A broken log sink must not break the bus: the counters in stats() still count.
    }
  };

  const summarize = (entry: Pending): void => {
    entry.timer = undefined;
    if (entry.suppressed === 0) return;
    const seconds = Math.round((Date.now() - entry.wrote) / 100) / 10;
    write(`herald: ${entry.suppressed} more like this in ${seconds} s; the last: ${entry.last()}`);
    entry.wrote = Date.now();
    entry.suppressed = 0;
  };

  return {
    report(kind, value) {
      if (!REPORTED.has(kind)) return;
      let key = keyOf(kind, value);
      if (!pending.has(key) && pending.size >= MAX_KEYS) key = kind;
      const entry = pending.get(key);
      const now = Date.now();
      if (entry === undefined || (entry.suppressed === 0 && now - entry.wrote >= intervalMs)) {
        const last = () => format(kind, value);
        if (entry === undefined)
          pending.set(key, { wrote: now, suppressed: 0, last, timer: undefined });
        else entry.wrote = now;
        write(last());
        if (!introduced) {
          introduced = true;
          write(
            `herald: (written to stderr because nothing listens to "${kind}": bus.on('${kind}', ...) or attachLogger(bus) takes it; createBus({ log: false }) silences these lines)`,
          );
        }
        return;
      }
      // A flood costs a counter and a closure per event, not a formatted line.
      entry.suppressed++;
      entry.last = () => format(kind, value);
      entry.timer ??= setTimeout(
        () => summarize(entry),
        Math.max(0, entry.wrote + intervalMs - now),
      ).unref();
    },
    flush() {
      for (const entry of pending.values()) {
        clearTimeout(entry.timer);
        summarize(entry);
      }
    },
  };
}
