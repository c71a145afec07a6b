/**
 * The durable side of the transport contract (docs/transports/nats.md "Durable topics"): what a
 * transport that stores messages offers the bus, as `Transport.durable`. The adapter still only
 * moves bytes: it keeps one stored log per durable topic template, appends encoded envelopes to
 * it under their message id, and hands stored messages to a named consumer, each with the
 * server's stored time and its delivery count; the bus verifies, checks, runs the handler and
 * then says `done` (the handler finished: record its id, then acknowledge), `ack`, `nak`
 * (redeliver after a delay) or `term` (never again).
 *
 * Handled ids outlive the process: `done` stores the message id and log position in the
 * consumer's handled-id record before the acknowledgement leaves, and `consume` hands back the
 * ids recorded past the consumer's acknowledged floor, so a restarted process acknowledges a
 * redelivery of a message whose handler already finished instead of running it again.
 */

/** One durable topic template and its retention, as the transport stores it. */
export interface DurableTopicSpec {
  /** The registry template (`orders:{region}`); every concrete topic of it shares one log. */
  readonly template: string;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly maxMessages: number | undefined;
  /** How long the server drops a second publish of one message id. */
  readonly duplicateWindowMs: number;
}

/** A named durable consumer of one concrete topic. */
export interface DurableConsumerSpec {
  /** The durable topic's template (its log). */
  readonly template: string;
  /** The concrete topic (channel) it reads. */
  readonly channel: string;
  /** `durable` (a named consumer) or `group` (one shared consumer whose members pull from it). */
  readonly kind: 'durable' | 'group';
  /** Its name; with `kind` and `channel`, it names the server-side consumer. */
  readonly name: string;
  /** Deliveries of one message before it is given up (the bus dead-letters it). */
  readonly maxDeliver: number;
  /** Redelivery of an unacknowledged message (its process died) after this many ms. */
  readonly ackWaitMs: number;
  /** Messages handed over before the first of them is acknowledged. */
  readonly maxInFlight: number;
  /** Handled ids kept in memory (the oldest forgotten first). */
  readonly remember: number;
}

/** One stored message handed to a consumer. */
export interface DurableDelivery {
  readonly channel: string;
  readonly data: Uint8Array;
  /** When the server stored it (ms since the epoch): the time freshness is checked against. */
  readonly storedAt: number;
  /** Its position in the log: a redelivery has the same one, a re-publish another. */
  readonly position: number;
  /** 1 on the first delivery, then 2, 3, ... */
  readonly deliveries: number;
  /**
   * The handler finished on the message `id`: the store records `id` at this position in the
   * consumer's handled-id record (together with the others finished in the same moment), then
   * acknowledges. Never acknowledged unrecorded: when the record cannot be stored, the message
   * is delivered again after the ack wait.
   */
  done(id: string): void;
  /** Settled without a handler run: never delivered to this consumer again. */
  ack(): void;
  /** Failed: deliver it again after `delayMs`. */
  nak(delayMs: number): void;
  /** Given up (dead letter, or refused input): never delivered to this consumer again. */
  term(reason: string): void;
}

/** A running consumer. */
export interface DurableConsumer {
  /**
   * Message ids whose handler finished in an earlier process (or an earlier run) and that the
   * server may still deliver (past the consumer's acknowledged floor), with their log position.
   */
  readonly handled: ReadonlyMap<string, number>;
  /** Stops handing messages over; the server keeps the consumer's position. */
  stop(): Promise<void>;
  /** Resolves once every `done` so far is recorded and acknowledged (or failed to record). */
  drain(): Promise<void>;
}

/** What a durable transport offers (`Transport.durable`). */
export interface DurableStore {
  /** Creates or updates the log of each durable topic template; idempotent. */
  declare(topics: readonly DurableTopicSpec[]): Promise<void>;
  /**
   * Appends one encoded envelope to the log of `template`, on `channel`, under the message id
   * `id`; resolves once the server stored it (or already had `id` within its duplicate window),
   * rejects with a TransportError otherwise.
   */
  append(channel: string, template: string, data: string, id: string): Promise<void>;
  /** Starts a consumer (created on the server on first use, resumed after that). */
  consume(
    spec: DurableConsumerSpec,
    deliver: (delivery: DurableDelivery) => void,
  ): Promise<DurableConsumer>;
}
