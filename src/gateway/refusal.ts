/**
 * Refusals: every request the gateway turns down gets one status code per reason and a JSON body
 * naming the reason, the topic and what to do (docs/gateway.md#status-codes), and is counted.
 */
import { type RefusalBody, RefusalReason } from './types.js';

/** The HTTP status of each refusal reason. */
export const REFUSAL_STATUS: Readonly<Record<RefusalReason, number>> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  unknown_topic: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  url_too_long: 414,
  unsupported_media_type: 415,
  invalid_payload: 422,
  too_many_subscriptions: 429,
  too_many_connections: 429,
  publish_failed: 502,
  unavailable: 503,
};

/** A refusal on its way to the page. */
export interface Refusal {
  readonly kind: 'refusal';
  readonly status: number;
  readonly body: RefusalBody;
}

/** Builds a refusal; `extra` names the topic, event or the application's reason. */
export function refuse(
  error: RefusalReason,
  message: string,
  extra: Omit<RefusalBody, 'error' | 'message'> = {},
): Refusal {
  return { kind: 'refusal', status: REFUSAL_STATUS[error], body: { error, message, ...extra } };
}

/** A zeroed counter per refusal reason. */
export function refusalCounters(): Record<RefusalReason, number> {
  const counters = {} as Record<RefusalReason, number>;
  for (const reason of Object.values(RefusalReason)) counters[reason] = 0;
  return counters;
}
