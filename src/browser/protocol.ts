/**
 * The gateway's wire protocol as a page sees it (docs/gateway.md): the data of each SSE event
 * and of each refusal. The gateway writes exactly these shapes; the browser client reads them.
 */

/** The data of a `message` event: one verified, validated bus message. */
export interface PageMessage<E extends string = string, P = unknown> {
  /** The template the page subscribed to, when the message came through one. */
  readonly template?: string;
  readonly topic: string;
  readonly event: E;
  readonly payload: P;
  /** Schema version of the payload. */
  readonly version: number;
  /** The bus message id (`<node>:<epoch>:<seq>`). */
  readonly id: string;
  /** Publish time, ms since the Unix epoch. */
  readonly time: number;
  /** The publishing node. */
  readonly node: string;
  /** Topic parameters, as they appear in the topic. */
  readonly params: Readonly<Record<string, string>>;
  /** The key id that verified it; absent when published on the gateway's own bus (`local`). */
  readonly kid?: string;
  /** True when it was published on the gateway's own bus instance (never signed or verified). */
  readonly local: boolean;
  /** The W3C trace id of its trace, when it was traced. */
  readonly traceId?: string;
}

/** Why a page may have missed messages of a topic. */
export type GapReason = 'overflow' | 'resume' | 'transport';

/** The data of a `gap` event: resynchronise `topic` (reload its state). */
export interface PageGap {
  readonly topic: string;
  /**
   * `overflow`: the page read too slowly; `resume`: the reconnect could not replay everything;
   * `transport`: the bus's own transport lost messages (`from`, `to`: ms since the Unix epoch).
   */
  readonly reason: GapReason;
  readonly from?: number;
  readonly to?: number;
}

/** The data of the `ready` event, the last of a stream's opening. */
export interface PageReady {
  /** The connection's id (its presence owner). */
  readonly connection: string;
  readonly topics: readonly string[];
  readonly presence: readonly string[];
}

/** The JSON body of every refusal. */
export interface RefusalBody {
  /** The reason: `forbidden`, `unknown_topic`, `too_many_connections`, … */
  readonly error: string;
  readonly message: string;
  readonly topic?: string;
  readonly event?: string;
  /** The application's reason, for `forbidden`. */
  readonly reason?: string;
}

/** The answer to an accepted page publish. */
export interface PublishAnswer {
  readonly ok: true;
  readonly id: string;
  readonly topic: string;
  readonly event: string;
}
