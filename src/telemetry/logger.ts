/**
 * `attachLogger`: one call turns a bus's events — rejections, handler errors, overflows, slow
 * consumers (and their recovery), cancelled subscriptions, and the transport's connected /
 * disconnected / reconnecting / resubscribed / failover / degraded / gap — into log lines, each
 * kind at its own level, with callbacks for connect/disconnect alerting. It returns a function
 * that detaches every listener. The same lines are what a bus writes to stderr while nothing
 * listens (`report.ts`): attaching a logger replaces that report, since it listens to every kind.
 */
import type { BusCore, BusEvents } from '../bus/types.js';

/** A logger: `console`, pino, winston, bunyan... anything with these four methods. */
export interface LoggerLike {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** A log level, or `off` to silence a kind. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

/** The bus events the logger reports. */
export type LoggedEvent = keyof BusEvents;

/** The level of each event kind unless configured. */
export const DEFAULT_LOG_LEVELS: Readonly<Record<LoggedEvent, LogLevel>> = {
  rejected: 'warn',
  handler_error: 'error',
  overflow: 'warn',
  slow_consumer: 'warn',
  subscription_error: 'error',
  connected: 'info',
  disconnected: 'warn',
  reconnecting: 'info',
  resubscribed: 'info',
  failover: 'warn',
  degraded: 'warn',
  gap: 'warn',
  duplicate_node: 'error',
};

/** What `onDisconnect` receives. */
export interface DisconnectInfo {
  readonly transport: string;
  readonly reason: string;
}

/** What `onConnect` receives. */
export interface ConnectInfo {
  readonly transport: string;
  /** How long it was down, when a disconnect was seen since `attachLogger`. */
  readonly downMs?: number;
}

/** Options of {@link attachLogger}. */
export interface AttachLoggerOptions {
  /**
   * Where lines go.
   * @default console
   */
  readonly logger?: LoggerLike;
  /**
   * Level per event kind; the rest keep {@link DEFAULT_LOG_LEVELS}.
   * @example { rejected: 'error', reconnecting: 'debug', connected: 'off' }
   */
  readonly levels?: Partial<Record<LoggedEvent, LogLevel>>;
  /**
   * Argument order: `(message, fields)` as console and winston read it, or `(fields, message)`
   * as pino and bunyan do.
   * @default 'message-first'
   */
  readonly style?: 'message-first' | 'fields-first';
  /** Called when the transport loses its connection (for alerting). */
  readonly onDisconnect?: (info: DisconnectInfo) => void;
  /** Called when the transport connects, and when it is back after a reconnect. */
  readonly onConnect?: (info: ConnectInfo) => void;
}

/** One log line: a message, and the fields a structured logger keeps. */
export type Line = readonly [message: string, fields: Record<string, unknown>];

const describeError = (error: unknown): string =>
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

/**
 * Logs a bus's events; returns a function that detaches it.
 * @example const detach = attachLogger(bus, { logger: pino(), style: 'fields-first', onDisconnect: page })
 */
export function attachLogger(
  bus: Pick<BusCore, 'on'>,
  options: AttachLoggerOptions = {},
): () => void {
  const logger = options.logger ?? console;
  const fieldsFirst = options.style === 'fields-first';
  const levels = { ...DEFAULT_LOG_LEVELS, ...options.levels };
  const downSince = new Map<string, number>();
  const offs: (() => void)[] = [];

  const write = (level: LogLevel, [message, fields]: Line): void => {
    if (level === 'off') return;
    if (fieldsFirst) logger[level](fields, message);
    else logger[level](message, fields);
  };

  /** Guards a user callback: an alerting hook that throws must not break the bus's listeners. */
  const call = <T>(callback: ((info: T) => void) | undefined, info: T, name: string): void => {
    if (callback === undefined) return;
    try {
      callback(info);
    } catch (error) {
      write('error', [`herald: ${name} callback threw: ${describeError(error)}`, { error }]);
    }
  };

  const listen = <K extends LoggedEvent>(kind: K, extra?: (value: BusEvents[K]) => void): void => {
    offs.push(
      bus.on(kind, (value) => {
        write(levels[kind], lines[kind](value));
        extra?.(value);
      }),
    );
  };

  listen('rejected');
  listen('handler_error');
  listen('overflow');
  listen('slow_consumer');
  listen('subscription_error');
  listen('connected', ({ transport }) => {
    const since = downSince.get(transport);
    downSince.delete(transport);
    call(
      options.onConnect,
      since === undefined ? { transport } : { transport, downMs: Date.now() - since },
      'onConnect',
    );
  });
  listen('disconnected', ({ transport, reason }) => {
    if (!downSince.has(transport)) downSince.set(transport, Date.now());
    call(options.onDisconnect, { transport, reason }, 'onDisconnect');
  });
  listen('reconnecting');
  listen('resubscribed', ({ transport }) => {
    // Reconnected transports report `resubscribed` (every subscription is back) rather than
    // `connected`; either ends an outage once.
    const since = downSince.get(transport);
    if (since === undefined) return;
    downSince.delete(transport);
    call(options.onConnect, { transport, downMs: Date.now() - since }, 'onConnect');
  });
  listen('failover');
  listen('degraded');
  listen('gap');

  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    for (const off of offs) off();
  };
}
