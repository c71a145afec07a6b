/**
 * The state of one session (session.ts) in one object its steps take: the current listener
 * connection, the connection state, the counters `status()` reports, and what the heartbeat and
 * the reconnect loop need to coordinate.
 */
import type pg from 'pg';
import { ConnectionState, type TransportEvent } from '../transport.js';
import type { Listener } from './listener.js';
import type { ResolvedOptions } from './options.js';

/** What a session needs from its transport. */
export interface SessionDeps {
  readonly options: ResolvedOptions;
  readonly pool: pg.Pool;
  /** The private probe channel of this transport instance. */
  readonly probe: string;
  /** Server channel names that should be LISTENed (read on every sync). */
  readonly names: ReadonlyMap<string, string>;
  /** A NOTIFY on a channel other than the probe. */
  notification(serverChannel: string, payload: string): void;
  /** A connection event for the sink. */
  event(event: TransportEvent): void;
}

/** One listener connection and what it LISTENs. */
export interface Conn {
  readonly l: Listener;
  readonly listened: Set<string>;
  /** When the probe that confirmed this connection was sent (see session.ts). */
  confirmedFrom: number;
}

/** Everything a session holds. */
export interface SessionCore {
  readonly deps: SessionDeps;
  readonly o: ResolvedOptions;
  /** Probe tokens in flight -> their arrival. */
  readonly probes: Map<string, () => void>;
  current: Conn | undefined;
  state: ConnectionState;
  since: number;
  /** Bumped whenever a connection (or an attempt) stops being the one that counts. */
  generation: number;
  disconnectedAt: number;
  reconnects: number;
  /** Milliseconds from the last disconnect to its confirmed re-LISTEN, -1 before any. */
  relistenMs: number;
  lastError: string;
  /** When the last answered heartbeat (or confirming probe) was sent: a gap starts there. */
  lastAlive: number;
  stopped: boolean;
  /** Ends the reconnect loop's current wait early. */
  wake: (() => void) | undefined;
  heartbeat: NodeJS.Timeout | undefined;
  /** The tail of the serialized LISTEN/UNLISTEN syncs. */
  chain: Promise<unknown>;
}

/** A session's state before `start()`. */
export function createCore(deps: SessionDeps): SessionCore {
  const now = Date.now();
  return {
    deps,
    o: deps.options,
    probes: new Map(),
    current: undefined,
    state: ConnectionState.Connecting,
    since: now,
    generation: 0,
    disconnectedAt: 0,
    reconnects: 0,
    relistenMs: -1,
    lastError: '',
    lastAlive: now,
    stopped: false,
    wake: undefined,
    heartbeat: undefined,
    chain: Promise.resolve(),
  };
}

/** Moves to `next`, noting when. */
export function setState(core: SessionCore, next: ConnectionState): void {
  core.state = next;
  core.since = Date.now();
}
