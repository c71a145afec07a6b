/**
 * The state of one Redis transport (`index.ts`), in one object that each of its steps takes:
 * connecting (`connect.ts`), publishing with the offline buffer (`publish.ts`), (un)subscribing
 * (`subscriptions.ts`) and the link events that become transport events (`events.ts`). Also the
 * transport's error wording, defined once.
 */
import { type ErrorCode as Code, ErrorCode, HeraldError, TransportError } from '../../errors.js';
import { ConnectionState, type TransportSink } from '../transport.js';
import type { OfflineBuffer } from './buffer.js';
import type { ResolvedRedisOptions } from './options.js';
import type { Router } from './router.js';
import type { RedisTemplates } from './templates.js';

/** Everything one transport knows. */
export interface RedisState {
  readonly config: ResolvedRedisOptions;
  /** Random per transport: names its probes and its private probe channel. */
  readonly token: string;
  /** Redis Cluster: sharded pub/sub. */
  readonly sharded: boolean;
  /** Herald channels subscribed (without the prefix). */
  readonly channels: Set<string>;
  readonly templates: RedisTemplates;
  readonly buffer: OfflineBuffer;
  sink: TransportSink | undefined;
  /** The router while connecting or connected; undefined once closed. */
  router: Router | undefined;
  state: ConnectionState;
  /** When `state` last changed. */
  since: number;
  /** When the transport went from connected to reconnecting. */
  downAt: number | undefined;
}

export function setState(s: RedisState, next: ConnectionState): void {
  if (next !== s.state) s.since = Date.now();
  s.state = next;
}

/** Connected, or reconnecting (publishes may be held, subscriptions are restored). */
export const usable = (s: RedisState): boolean =>
  s.state === ConnectionState.Connected || s.state === ConnectionState.Reconnecting;

/** The Redis channel of a Herald channel. */
export const serverName = (s: RedisState, channel: string): string => s.config.prefix + channel;

export const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

export function fail(s: RedisState, code: Code, text: string, cause?: unknown): TransportError {
  return new TransportError(code, `redis transport (${s.config.display}): ${text}`, {
    transport: 'redis',
    cause,
    hint:
      code === ErrorCode.ConnectFailed
        ? 'check that Redis runs and is reachable, and the url / host / port (REDIS_URL, REDIS_HOST, REDIS_PORT)'
        : 'the transport reconnects by itself; bus.transport() shows its state',
  });
}

/** A HeraldError as it is; anything else as PUBLISH_FAILED with `text`. */
export function wrap(s: RedisState, error: unknown, text: string): HeraldError {
  return error instanceof HeraldError
    ? error
    : fail(s, ErrorCode.PublishFailed, `${text}: ${message(error)}`, error);
}
