/**
 * Herald's typed errors.
 *
 * Two layers, as in nats.js and tRPC: a few error classes, each with a machine-readable `code`
 * (a string union), the topic / event / field / key involved, a `hint` that says what to do,
 * and an optional `cause`. Recognise errors by `code` (or {@link isHeraldError}), not only by
 * `instanceof`: two copies of Herald in one process have two copies of each class.
 */

/** Every code a Herald error can carry. */
export const ErrorCode = {
  /** The registry declaration is malformed (template, params, event names, duplicates). */
  RegistryInvalid: 'REGISTRY_INVALID',
  /** A topic or event that the registry does not declare. */
  UnknownTopic: 'UNKNOWN_TOPIC',
  UnknownEvent: 'UNKNOWN_EVENT',
  /** Topic parameters missing, extra, or not valid for their schema. */
  InvalidParams: 'INVALID_PARAMS',
  /** A payload that does not match the event's schema. */
  InvalidPayload: 'INVALID_PAYLOAD',
  /** Bus or key configuration that cannot work (weak key, unknown transport, ...). */
  ConfigInvalid: 'CONFIG_INVALID',
  /** The bus is not started, or already stopped. */
  NotStarted: 'NOT_STARTED',
  /** The transport could not take the message; it was not sent. */
  PublishFailed: 'PUBLISH_FAILED',
  /** The transport could not connect. */
  ConnectFailed: 'CONNECT_FAILED',
  /** An encoded message is larger than the configured limit. */
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  /** A subscription's queue overflowed under the `error` policy. */
  QueueOverflow: 'QUEUE_OVERFLOW',
  /** A raw publish on a topic that is not declared raw, or the reverse. */
  RawMismatch: 'RAW_MISMATCH',
  /** A publish on a topic outside the scopes of the key that would sign it. */
  ForbiddenTopic: 'FORBIDDEN_TOPIC',
} as const;

/** The union of all error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Structured context carried by every Herald error. Secrets are never placed here. */
export interface ErrorContext {
  /** Concrete topic (`room:42`) or template (`room:{roomId}`). */
  readonly topic?: string | undefined;
  readonly event?: string | undefined;
  /** JSON-pointer-like path of the offending field (`/items/0/price`). */
  readonly field?: string | undefined;
  /** Key id involved, never the key itself. */
  readonly kid?: string | undefined;
  /** Transport name involved. */
  readonly transport?: string | undefined;
  /** What to do about it. */
  readonly hint?: string | undefined;
  readonly cause?: unknown;
}

/** One schema violation, machine readable (mirrors TypeBox's ValueError). */
export interface ValidationIssue {
  /** JSON pointer to the value (`/user/name`), `''` for the root. */
  readonly path: string;
  /** The schema keyword that failed (`type`, `required`, `minLength`, ...). */
  readonly keyword: string;
  readonly message: string;
}

/** The context fields an error carries as properties (`cause` is the standard `Error.cause`). */
const CONTEXT_FIELDS = ['topic', 'event', 'field', 'kid', 'transport', 'hint'] as const;

/**
 * The base class of every error Herald throws. Context fields that do not apply are absent, not
 * `undefined` own properties, so a logged error never shows `topic: undefined, event: undefined`.
 */
export class HeraldError extends Error {
  override readonly name: string = 'HeraldError';
  readonly code: ErrorCode;
  declare readonly topic: string | undefined;
  declare readonly event: string | undefined;
  declare readonly field: string | undefined;
  declare readonly kid: string | undefined;
  declare readonly transport: string | undefined;
  declare readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(
      context.hint ? `${message}\n  hint: ${context.hint}` : message,
      context.cause === undefined ? undefined : { cause: context.cause },
    );
    this.code = code;
    for (const key of CONTEXT_FIELDS) {
      const value = context[key];
      if (value !== undefined) Object.defineProperty(this, key, { value, enumerable: true });
    }
  }
}

/** The registry declaration is wrong; thrown by `defineTopics` at start-up. */
export class RegistryError extends HeraldError {
  override readonly name = 'RegistryError';
}

/** Bus, key or transport configuration that cannot work. */
export class ConfigError extends HeraldError {
  override readonly name = 'ConfigError';
  constructor(message: string, context: ErrorContext = {}) {
    super(ErrorCode.ConfigInvalid, message, context);
  }
}

/** A payload or topic parameters that fail their schema. */
export class ValidationError extends HeraldError {
  override readonly name = 'ValidationError';
  /** Every violation, not only the first. */
  readonly issues: readonly ValidationIssue[];
  constructor(
    code: typeof ErrorCode.InvalidPayload | typeof ErrorCode.InvalidParams,
    message: string,
    issues: readonly ValidationIssue[],
    context: ErrorContext = {},
  ) {
    super(code, message, { ...context, field: context.field ?? issues[0]?.path });
    this.issues = issues;
  }
}

/** A publish that did not reach the transport, or a transport that could not connect. */
export class TransportError extends HeraldError {
  override readonly name = 'TransportError';
}

/** True for any Herald error, including ones from another copy of the library. */
export function isHeraldError(value: unknown): value is HeraldError {
  if (value instanceof HeraldError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' && (Object.values(ErrorCode) as string[]).includes(code);
}
