/**
 * The hand-written equivalent of Herald's wire path, as an application would write it without a
 * framework: JSON body, HMAC-SHA256 over it, constant-time verify, `JSON.parse`, compiled TypeBox
 * check. No envelope fields beyond topic/seq/time, no replay window, no base64. It is the
 * "what would I write myself" baseline of the transport scenarios.
 */
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';

/** A hand-written signed-JSON codec. */
export interface SignedJson {
  /** `<base64url HMAC>.<JSON>` */
  encode(topic: string, seq: number, data: unknown): string;
  /** The verified, checked data, or undefined when the signature or the check fails. */
  decode(text: string): unknown;
}

/** Builds the codec over `key`, checking data with `check`. */
export function createSignedJson(key: KeyObject, check: (value: unknown) => boolean): SignedJson {
  const mac = (body: string): string => createHmac('sha256', key).update(body).digest('base64url');
  return {
    encode(topic, seq, data) {
      const body = JSON.stringify({ topic, seq, time: Date.now(), data });
      return `${mac(body)}.${body}`;
    },
    decode(text) {
      const dot = text.indexOf('.');
      if (dot < 0) return undefined;
      const body = text.slice(dot + 1);
      const expected = mac(body);
      const actual = text.slice(0, dot);
      if (
        expected.length !== actual.length ||
        !timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(actual, 'latin1'))
      ) {
        return undefined;
      }
      const envelope = JSON.parse(body) as { data: unknown };
      return check(envelope.data) ? envelope.data : undefined;
    },
  };
}
