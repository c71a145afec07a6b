/**
 * The mutable state of one NATS transport, in one small object that its steps share
 * (connection health, subscriptions, publish), and the typed errors it raises.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ErrorCode, HeraldError, TransportError } from '../../errors.js';
import { ConnectionState, type TransportSink } from '../transport.js';
import type { ResolvedNatsOptions } from './options.js';
import { subjectOf } from './subjects.js';

type Code = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Channels whose subject a transport remembers (cleared when full). */
const SUBJECT_CACHE = 10_000;

/** One transport's state. */
export interface NatsState {
  readonly config: ResolvedNatsOptions;
  /** Server subscriptions by key (listen.ts `subKey` / `templateKey`). */
  readonly subs: Map<string, Subscription>;
  /** Subjects of channels already published or subscribed (subjects.ts is pure). */
  readonly subjects: Map<string, string>;
  sink: TransportSink | undefined;
  nc: NatsConnection | undefined;
  state: ConnectionState;
  /** When `state` began. */
  since: number;
  /** Any sign of life (a message, a reply): restarts the silence deadline. */
  heard: number;
  /** When the last confirmed round trip started: the connection worked until then. */
  lastGood: number;
  downAt: number | undefined;
  attempt: number;
  heartbeat: NodeJS.Timeout | undefined;
  beating: boolean;
}

/** A new transport's state: idle, nothing subscribed. */
export function initialState(config: ResolvedNatsOptions): NatsState {
  return {
    config,
    subs: new Map(),
    subjects: new Map(),
    sink: undefined,
    nc: undefined,
    state: ConnectionState.Idle,
    since: Date.now(),
    heard: 0,
    lastGood: 0,
    downAt: undefined,
    attempt: 0,
    heartbeat: undefined,
    beating: false,
  };
}

/** Moves to `next`; `since` restarts only on a change. */
export function setState(s: NatsState, next: ConnectionState): void {
  if (next !== s.state) s.since = Date.now();
  s.state = next;
}

/** The subject of `channel`, looked up instead of escaped on every publish. */
export function subjectFor(s: NatsState, channel: string): string {
  let subject = s.subjects.get(channel);
  if (subject === undefined) {
    if (s.subjects.size >= SUBJECT_CACHE) s.subjects.clear();
    subject = subjectOf(s.config.prefix, channel);
    s.subjects.set(channel, subject);
  }
  return subject;
}

export const text = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** A TransportError naming this transport's servers, with a hint for `code`. */
export function fail(s: NatsState, code: Code, what: string, cause?: unknown): TransportError {
  return new TransportError(code, `nats transport (${s.config.display}): ${what}`, {
    transport: 'nats',
    cause,
    hint:
      code === ErrorCode.ConnectFailed
        ? 'check that nats-server runs and is reachable, the url / servers (NATS_URL) and the credentials'
        : 'the transport reconnects by itself; bus.transport() shows its state',
  });
}

/** `error` as a HeraldError (PUBLISH_FAILED unless it already is one). */
export function wrap(s: NatsState, error: unknown, what: string): HeraldError {
  return error instanceof HeraldError
    ? error
    : fail(s, ErrorCode.PublishFailed, `${what}: ${text(error)}`, error);
}
