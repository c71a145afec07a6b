/**
 * Presence in the page, through the bus's presence (docs/presence.md):
 *
 * - tracking: when the application's `presence(request, connection)` names a topic, key and
 *   meta, the connection is tracked with its id as the owner, and untracked when it closes — so
 *   the page is online exactly while its stream is open, on this instance's node;
 * - watching: `?presence=<topic>` streams that topic's `presence_state`, then each
 *   `presence_diff`, as `presence` events (authorized like any topic). They go through the
 *   connection's bounded queue under the name `$presence:<topic>`: a page that falls behind gets
 *   a `gap` on that name and reconnects for a fresh state.
 */
import { isHeraldError } from '../errors.js';
import type { PresenceEvent, PresenceSubscription } from '../presence/types.js';
import type { Connection } from './connection.js';
import { namedFrame } from './frames.js';
import type { GatewayState } from './state.js';
import type { ConnectionPresence } from './types.js';

/** The bus presence calls the gateway makes (any `Bus`). */
interface LoosePresence {
  track(topic: string, key: string, meta: unknown, options: { owner: string }): Promise<string>;
  untrackOwner(owner: string): Promise<number>;
  subscribe(
    topic: string,
    handler: (event: PresenceEvent<unknown>) => void,
  ): Promise<PresenceSubscription>;
}

/** The prefix of presence streams in a connection's queue and in their gap events. */
export const PRESENCE_STREAM = '$presence:';

/** The `presence_error` event of a refused track or watch: the error's code and first line. */
export function presenceError(error: unknown): Uint8Array {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const code = isHeraldError(error) ? error.code : 'PRESENCE_FAILED';
  return namedFrame('presence_error', { code, message });
}

/** Something to stop when the connection closes. */
export interface Stoppable {
  stop(): void;
}

function loose(state: GatewayState): LoosePresence {
  return state.bus.presence as unknown as LoosePresence;
}

/**
 * The application's presence for a connection. A function of its own so that the closure over
 * `request` is not shared with the tracking's `stop`: an open connection does not keep its request.
 */
function chosenPresence(
  choose: NonNullable<GatewayState['options']['presence']>,
  request: Request,
  connection: Connection,
): Promise<ConnectionPresence | undefined> {
  const info = { id: connection.id, identity: connection.identity, topics: connection.topics };
  return Promise.resolve().then(() => choose(request, info));
}

/** The tracking of a gateway without `presence`: nothing to stop. */
const UNTRACKED: Stoppable = { stop() {} };

/** Tracks the connection when the application asks for it; reports a refusal to the page. */
export function trackPresence(
  state: GatewayState,
  request: Request,
  connection: Connection,
): Stoppable {
  const choose = state.options.presence;
  if (choose === undefined) return UNTRACKED;
  let tracked: Promise<unknown> | undefined;
  let stopped = false;
  const started = chosenPresence(choose, request, connection)
    .then((chosen) => {
      if (chosen === undefined || stopped) return;
      tracked = loose(state).track(chosen.topic, chosen.key, chosen.meta, { owner: connection.id });
      return tracked;
    })
    .catch((error: unknown) => connection.control(presenceError(error)));
  return {
    stop() {
      stopped = true;
      void started.then(() => {
        if (tracked !== undefined)
          void loose(state)
            .untrackOwner(connection.id)
            .catch(() => {});
      });
    },
  };
}

/** Streams the presence events of `topics` to the connection. Resolves once each sent its state. */
export async function watchPresence(
  state: GatewayState,
  connection: Connection,
  topics: readonly string[],
): Promise<Stoppable> {
  const subscriptions = await Promise.all(
    topics.map((topic) =>
      loose(state).subscribe(topic, (event) => {
        const frame = namedFrame('presence', event);
        connection.send(PRESENCE_STREAM + topic, frame);
      }),
    ),
  );
  return {
    stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}
