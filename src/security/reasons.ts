/**
 * Why an inbound message was refused. Every refusal is counted by one of these reasons, surfaced
 * as a `rejected` bus event, and never reaches a handler.
 */
export const RejectReason = {
  /** Not a Herald envelope: not JSON, not JWS, wrong shape, wrong `typ`, bad encoding. */
  Malformed: 'malformed',
  /** Larger than `limits.maxBytes`. */
  Oversize: 'oversize',
  /** Nested deeper than `limits.maxDepth`. */
  TooDeep: 'too_deep',
  /** An object with the same key twice (RFC 8259 §4 leaves the meaning open; Herald refuses). */
  DuplicateKey: 'duplicate_key',
  /** A `__proto__` or `constructor.prototype` key (prototype pollution). */
  ForbiddenKey: 'forbidden_key',
  /** No signature verified with the key it names. */
  BadSignature: 'bad_signature',
  /** Signed only with key ids that are not in the allow-list. */
  UnknownKey: 'unknown_key',
  /** Signed only with retired key ids. */
  RetiredKey: 'retired_key',
  /** The header names an algorithm other than the key's pinned one. */
  AlgorithmMismatch: 'algorithm_mismatch',
  /** Timestamp older than the past window. */
  Expired: 'expired',
  /** Timestamp further ahead than the future window. */
  Future: 'future',
  /** A message id already seen inside the window. */
  Replay: 'replay',
  /** Arrived on a channel that does not belong to its signed topic (a message moved to another channel). */
  TopicMismatch: 'topic_mismatch',
  /** A topic the local registry does not declare. */
  UnknownTopic: 'unknown_topic',
  /** An event the topic does not declare. */
  UnknownEvent: 'unknown_event',
  /** A schema version this node cannot read. */
  UnsupportedVersion: 'unsupported_version',
  /** A payload that fails the event's schema. */
  InvalidPayload: 'invalid_payload',
  /** Verified, from this node's id but another epoch: two running nodes share one node id. */
  DuplicateNode: 'duplicate_node',
  /** A direct message addressed to another node. */
  WrongNode: 'wrong_node',
  /**
   * Verified, but signed for another tenant (the header's `ten`), or for a tenant where this bus
   * has none, or for none where it has one: a message replayed across tenant namespaces.
   */
  WrongTenant: 'wrong_tenant',
  /** Verified, but signed with a key whose scopes do not cover the message's topic. */
  ForbiddenTopic: 'forbidden_topic',
  /**
   * The shared replay store did not answer (error, timeout, too many pending checks) and
   * `failOpen` is off: the message could not be checked for replay, so it is refused.
   */
  ReplayUnchecked: 'replay_unchecked',
} as const;

/** The union of all rejection reasons. */
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** A refused inbound message, as reported to listeners. Holds no secret and no payload. */
export interface Rejection {
  readonly reason: RejectReason;
  /** A sentence for logs. */
  readonly detail: string;
  /** Transport channel it arrived on. */
  readonly channel: string;
  /** Known once the signature verified. */
  readonly topic?: string;
  readonly event?: string;
  readonly node?: string;
  readonly kid?: string;
  /** Path of the first invalid field, for `invalid_payload`. */
  readonly field?: string;
}
