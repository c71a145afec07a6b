/**
 * Starting an admitted SSE stream on its sink: the opening, the resume (replay or gaps), the
 * `ready` event, registration with its feeds — synchronously, so no event falls between — then
 * presence. What an open connection keeps is only what it needs to run and to stop: its
 * `Connection`, its identity and its presence handles. The `Request` it was admitted with is not
 * kept (nothing here closes over it), since an idle connection's memory is the gateway's cost
 * per page (docs/gateway.md#memory-per-idle-connection).
 */
import { Connection, type SseSink } from './connection.js';
import type { Feed } from './feeds.js';
import { namedFrame, openingFrame } from './frames.js';
import { presenceError, type Stoppable, trackPresence, watchPresence } from './presence.js';
import { resume } from './resume.js';
import type { GatewayState } from './state.js';

/** What admission decided for a stream. */
export interface Admitted {
  readonly identity: string;
  /** The message topics, and their feeds (subscribed, ready). */
  readonly topics: readonly string[];
  readonly feeds: readonly Feed[];
  /** The resume point the page sent, if any. */
  readonly lastEventId: string | null;
  /** Topics that are not resumed (added by the page on this request). */
  readonly fresh: ReadonlySet<string>;
  /** Presence topics the page watches. */
  readonly presence: readonly string[];
}

/** The presence watch of a stream that watches none. */
const NOT_WATCHING: Promise<Stoppable | undefined> = Promise.resolve(undefined);

/** Starts the stream of an admitted page on `sink`. */
export function startStream(
  state: GatewayState,
  admitted: Admitted,
  request: Request,
  sink: SseSink,
): { stop(): void } {
  const { identity, topics } = admitted;
  const connection = new Connection(
    state.connectionId(),
    identity,
    topics,
    sink,
    state.settings.limits.queue,
    state.hooks,
  );
  state.connections.add(connection);
  state.perIdentity.set(identity, (state.perIdentity.get(identity) ?? 0) + 1);
  connection.control(openingFrame(state.settings.retryMs));
  resume(state, connection, admitted.lastEventId, admitted.fresh);
  const ready = { connection: connection.id, topics, presence: admitted.presence };
  connection.control(namedFrame('ready', ready, `${state.epoch}.${state.feeds.seq}`));
  for (const feed of admitted.feeds) feed.add(connection);
  const presence = trackPresence(state, request, connection);
  const watching =
    admitted.presence.length === 0
      ? NOT_WATCHING
      : watchPresence(state, connection, admitted.presence).catch((error: unknown) => {
          connection.control(presenceError(error));
          return undefined;
        });
  return new OpenStream(state, connection, presence, watching);
}

/** An open stream: stops once, unregistering the connection and releasing its feeds and presence. */
class OpenStream {
  readonly #state: GatewayState;
  readonly #connection: Connection;
  readonly #presence: Stoppable;
  readonly #watching: Promise<Stoppable | undefined>;

  constructor(
    state: GatewayState,
    connection: Connection,
    presence: Stoppable,
    watching: Promise<Stoppable | undefined>,
  ) {
    this.#state = state;
    this.#connection = connection;
    this.#presence = presence;
    this.#watching = watching;
  }

  stop(): void {
    const state = this.#state;
    const connection = this.#connection;
    if (!state.connections.delete(connection)) return;
    connection.closed();
    const { identity } = connection;
    const left = (state.perIdentity.get(identity) ?? 1) - 1;
    if (left === 0) state.perIdentity.delete(identity);
    else state.perIdentity.set(identity, left);
    state.feeds.release(connection);
    this.#presence.stop();
    void this.#watching.then((w) => w?.stop());
  }
}
