/**
 * The names Herald's telemetry uses: span attributes and metric instruments. `messaging.*` and
 * `error.type` follow the OpenTelemetry semantic conventions for messaging
 * (https://opentelemetry.io/docs/specs/semconv/messaging/); `herald.*` are Herald's own.
 * docs/telemetry.md lists where each one appears.
 */
import { isHeraldError } from '../errors.js';

/** Attribute names on Herald's spans and metrics. */
export const TelemetryAttribute = {
  /** Always `herald`. */
  System: 'messaging.system',
  /** The concrete topic (`room:42`). */
  DestinationName: 'messaging.destination.name',
  /** The topic template (`room:{roomId}`): low cardinality, used on metrics. */
  DestinationTemplate: 'messaging.destination.template',
  /** `send` on publish spans, `process` on consumer spans, `receive` on rejection spans. */
  OperationType: 'messaging.operation.type',
  /** `publish`, `process` or `reject`. */
  OperationName: 'messaging.operation.name',
  /** `<node>:<epoch>:<seq>`. */
  MessageId: 'messaging.message.id',
  /** Encoded envelope size in bytes, when the message was encoded. */
  BodySize: 'messaging.message.body.size',
  /** Messages handled by one call of a batch (or throttled) delivery. */
  BatchCount: 'messaging.batch.message_count',
  /** Error code of a failure (`HeraldError.code`, the error's name, or a rejection reason). */
  ErrorType: 'error.type',
  /** Name of the transport (`local`, `redis`, `postgres`). */
  Transport: 'herald.transport',
  /** Herald event name (`posted`). */
  Event: 'herald.event',
  /** Schema version of the payload. */
  SchemaVersion: 'herald.schema_version',
  /** Node id of the bus that made the span. */
  Node: 'herald.node',
  /** Node id of the publisher, on consumer and rejection spans. */
  SourceNode: 'herald.source_node',
  /** `broadcast`, `broadcast_from`, `direct`, `local` or `raw`. */
  PublishKind: 'herald.publish.kind',
  /** Subscriptions on the publishing bus that received the message. */
  LocalDeliveries: 'herald.local_deliveries',
  /** True when the publish was handed to the transport. */
  Sent: 'herald.sent',
  /** True when the consumer is on the publishing bus instance. */
  Local: 'herald.local',
  /** Subscription id on the consuming bus. */
  Subscription: 'herald.subscription',
  /** Why an inbound message was refused (a `RejectReason`). */
  RejectReason: 'herald.reject.reason',
  /** A sentence saying why. */
  RejectDetail: 'herald.reject.detail',
  /** First invalid field of an `invalid_payload` rejection. */
  RejectField: 'herald.reject.field',
  /** Transport channel a message arrived on. */
  Channel: 'herald.channel',
  /** Key id named by a rejected message. */
  KeyId: 'herald.key_id',
  /** `connected`, `disconnected`, `reconnecting`, `resubscribed`, `failover` or `gap`. */
  TransportEvent: 'herald.transport.event',
  /** Free text of a disconnect, failover or gap. */
  TransportReason: 'herald.transport.reason',
  /** When a lost connection was last known to work (ms since the Unix epoch). */
  TransportSince: 'herald.transport.since',
  /** Reconnect attempt number. */
  TransportAttempt: 'herald.transport.attempt',
  /** Delay before the reconnect attempt, in ms. */
  TransportDelayMs: 'herald.transport.delay_ms',
  /** Channels subscribed again after a reconnect. */
  TransportChannels: 'herald.transport.channels',
  /** Time from the disconnect to the confirmed resubscription, in ms. */
  TransportOutageMs: 'herald.transport.outage_ms',
  /** Transport a fallback chain left. */
  TransportFrom: 'herald.transport.from',
  /** Transport a fallback chain moved to. */
  TransportTo: 'herald.transport.to',
  /** Start of a gap (ms since the Unix epoch). */
  GapFrom: 'herald.gap.from',
  /** End of a gap (ms since the Unix epoch). */
  GapTo: 'herald.gap.to',
  /** Length of a gap, in ms. */
  GapDurationMs: 'herald.gap.duration_ms',
} as const;

/** Metric instrument names. */
export const TelemetryMetric = {
  /** Counter: publishes attempted (semantic conventions). */
  SentMessages: 'messaging.client.sent.messages',
  /** Counter: messages handed to a handler (semantic conventions). */
  ConsumedMessages: 'messaging.client.consumed.messages',
  /** Histogram, seconds: handler run time (semantic conventions). */
  ProcessDuration: 'messaging.process.duration',
  /** Histogram, seconds: from the publish timestamp to the handler start. */
  PublishToDeliver: 'herald.publish_to_deliver',
  /** Counter: inbound messages refused, by `herald.reject.reason`. */
  Rejections: 'herald.rejections',
  /** Counter: messages dropped by subscription overflow policies. */
  OverflowDrops: 'herald.queue.overflow_drops',
  /** Counter: gap signals (messages may have been lost). */
  Gaps: 'herald.gaps',
  /** Counter: transport events, by `herald.transport.event`. */
  TransportEvents: 'herald.transport.events',
  /** Gauge: 1 while the transport is connected, 0 otherwise. */
  ConnectionState: 'herald.transport.connection_state',
} as const;

/** The `error.type` of a thrown value: a Herald error code, else the error's name. */
export function errorType(error: unknown): string {
  if (isHeraldError(error)) return error.code;
  if (error instanceof Error) return error.name || 'Error';
  return '_OTHER';
}
