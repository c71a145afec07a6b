/**
 * The state of one PostgreSQL transport, in one object that its steps (connect.ts,
 * send.ts, subscriptions.ts, received.ts, close.ts) take, and the small rules they share:
 * its state, whether it is live, server channel names, and its errors.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ErrorCode, TransportError } from '../../errors.js';
import { ConnectionState, type TransportSink } from '../transport.js';
import { channelName, probeChannelName } from './channels.js';
import type { ClaimCounts } from './claim-fetch.js';
import type { ClaimStore } from './claims.js';
import type { Notifier } from './notifier.js';
import type { ResolvedOptions } from './options.js';
import type { Session } from './session.js';
import { isServerError } from './sql.js';

const NAME_CACHE = 10_000;

/** Everything a transport holds; the connected parts are undefined while it is not. */
export interface PgState {
  readonly o: ResolvedOptions;
  /** This transport instance's id (claim rows, the probe channel). */
  readonly instance: string;
  /** The private probe channel of this instance. */
  readonly probe: string;
  /** Server name -> Herald channel, while subscribed. */
  readonly names: Map<string, string>;
  /** Template channels (a mirror: LISTEN has no patterns): Herald channel -> template. */
  readonly templates: Map<string, string>;
  /** Herald channel -> server name, bounded. */
  readonly nameCache: Map<string, string>;
  readonly counts: ClaimCounts;
  sink: TransportSink | undefined;
  pool: pg.Pool | undefined;
  claims: ClaimStore | undefined;
  notifier: Notifier | undefined;
  /** Statements of notifiers that are gone (closed connections). */
  notifyStatements: number;
  session: Session | undefined;
  sweeper: NodeJS.Timeout | undefined;
  closing: Promise<void> | undefined;
  idleState: ConnectionState;
  idleSince: number;
}

/** A transport's state before its first connect. */
export function createState(o: ResolvedOptions): PgState {
  const instance = randomBytes(8).toString('hex');
  return {
    o,
    instance,
    probe: probeChannelName(o.prefix, instance),
    names: new Map(),
    templates: new Map(),
    nameCache: new Map(),
    counts: { claimChecks: 0, claimsFetched: 0, claimsMissing: 0, claimsLost: 0 },
    sink: undefined,
    pool: undefined,
    claims: undefined,
    notifier: undefined,
    notifyStatements: 0,
    session: undefined,
    sweeper: undefined,
    closing: undefined,
    idleState: ConnectionState.Idle,
    idleSince: Date.now(),
  };
}

/** The connection state: the session's, else the idle one. */
export const stateOf = (s: PgState): ConnectionState => s.session?.state ?? s.idleState;

/** Connected, or reconnecting (publishes and subscriptions are still accepted). */
export function isLive(s: PgState): boolean {
  const state = stateOf(s);
  return state === ConnectionState.Connected || state === ConnectionState.Reconnecting;
}

/** The PostgreSQL channel name of a Herald channel, cached. */
export function serverName(s: PgState, channel: string): string {
  let name = s.nameCache.get(channel);
  if (name === undefined) {
    if (s.nameCache.size >= NAME_CACHE) s.nameCache.clear();
    name = channelName(s.o.prefix, channel);
    s.nameCache.set(channel, name);
  }
  return name;
}

/** A TransportError of this transport; the hint defaults to "check the server". */
export function fail(
  s: PgState,
  code: ErrorCode,
  message: string,
  cause?: unknown,
  hint?: string,
): TransportError {
  const { o } = s;
  return new TransportError(code, `postgres transport: ${message}`, {
    transport: 'postgres',
    cause,
    hint: hint ?? `check that PostgreSQL at ${o.host}:${o.port}/${o.database} is reachable`,
  });
}

/** The error of a call that needs a connection while there is none. */
export const notConnected = (s: PgState, what: string): TransportError =>
  fail(s, ErrorCode.PublishFailed, `${what} while ${stateOf(s)}`, undefined, 'connect first');

/** A server error that still means "the connection is gone" (classes 08 and 57). */
export const connectionLost = (error: unknown): boolean =>
  !isServerError(error) || error.code.startsWith('08') || error.code.startsWith('57');
