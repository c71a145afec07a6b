/**
 * The result type of every receive step (receive.ts): `{ ok: true } | { ok: false, rejection }`,
 * the shape of ReadOutcome. An accepted message shares one frozen `PASS`, so the hot path
 * allocates nothing for it.
 */
import type { Envelope } from '../security/codec.js';
import type { Rejection, RejectReason } from '../security/reasons.js';

/** The result of one receive step. */
export type Step = { readonly ok: true } | { readonly ok: false; readonly rejection: Rejection };

/** The one accepted result every step shares. */
export const PASS: Step = Object.freeze({ ok: true });

/** The rejection of `env` for `reason`, naming where it came from. */
export function rejectionOf(
  channel: string,
  env: Envelope,
  reason: RejectReason,
  detail: string,
): Rejection {
  const { topic, event, node, kid } = env;
  return { channel, topic, event, node, kid, reason, detail };
}

/** A refused step. */
export function refusal(
  channel: string,
  env: Envelope,
  reason: RejectReason,
  detail: string,
): Step {
  return { ok: false, rejection: rejectionOf(channel, env, reason, detail) };
}
