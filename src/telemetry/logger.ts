/**
 * `attachLogger`: one call turns a bus's events — rejections, handler errors, overflows, slow
 * consumers (and their recovery), cancelled subscriptions, and the transport's connected /
 * disconnected / reconnecting / resubscribed / failover / degraded / gap — into log lines, each
 * kind at its own level, with callbacks for connect/disconnect alerting. It returns a function
 * that detaches every listener. The same lines are what a bus writes to stderr while nothing
 * listens (`report.ts`): attaching a logger replaces that report, since it listens to every kind.
 */
import { describeError, type Line, type LoggedEvent, lines } from '../bus/event-lines.js';
import type { BusCore, BusEvents } from '../bus/types.js';

export type { Line, LoggedEvent };

/** A logger: `console`, pino, winston, bunyan... anything with these four methods. */
export interface LoggerLike {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** A log level, or `off` to silence a kind. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

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
  dead_letter: 'error',
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
  listen('dead_letter');
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
