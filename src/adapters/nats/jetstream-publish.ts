/**
 * JetStream publishes with their PubAck awaited, many in flight on one reply subscription: the
 * same protocol as nats.js `js.publish` (a message with a reply subject; the stream's PubAck, a
 * JSON `{ stream, seq, duplicate? }` or `{ error: { code, description } }`, answers on it; a 503
 * status when no stream captures the subject), without one request object, one timer and two
 * pre-built Error objects (for async stack traces) per publish, which were a fifth of the CPU of
 * the `nats-jetstream` bench. Each publish still resolves only on its own PubAck, and rejects on
 * an error answer, on no answer within `timeoutMs`, or when the connection closes.
 */
import type { MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { natsjs } from './driver.js';

/** Publishes to JetStream and awaits each PubAck. */
export interface PubAckPublisher {
  /** Resolves once the server stored `data` on `subject` (or had `msgId` already). */
  publish(subject: string, data: string | Uint8Array, msgId?: string): Promise<void>;
  /** Rejects what is pending and unsubscribes. */
  close(): void;
}

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
}

/** How often unanswered publishes are checked against their deadline. */
const SWEEP_MS = 100;

/** What a PubAck message says: undefined when stored, else why not. */
function refusal(headers: MsgHdrs | undefined, text: string): string | undefined {
  if (headers?.hasError)
    return headers.code === 503
      ? 'no stream captures the subject (503 no responders)'
      : `${headers.code} ${headers.description}`;
  try {
    const answer = JSON.parse(text) as { stream?: string; error?: { description?: string } };
    if (answer.error !== undefined) return answer.error.description ?? 'an error PubAck';
    return typeof answer.stream === 'string' && answer.stream !== '' ? undefined : 'no PubAck';
  } catch {
    return 'an unreadable PubAck';
  }
}

/** A publisher on `nc` whose publishes time out after `timeoutMs`. */
export function pubAckPublisher(nc: NatsConnection, timeoutMs: number): PubAckPublisher {
  const nats = natsjs();
  const inbox = nats.createInbox();
  const waiting = new Map<number, Waiting>();
  let next = 0;
  const sub: Subscription = nc.subscribe(`${inbox}.*`, {
    callback: (error, m) => {
      if (error) return;
      const token = Number(m.subject.slice(inbox.length + 1));
      const w = waiting.get(token);
      if (w === undefined) return;
      waiting.delete(token);
      const why = refusal(m.headers, m.string());
      if (why === undefined) w.resolve();
      else w.reject(new Error(why));
    },
  });
  // Every publish has the same timeout: the map's insertion order is deadline order.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [token, w] of waiting) {
      if (w.deadline > now) break;
      waiting.delete(token);
      w.reject(new Error(`no PubAck within ${timeoutMs} ms`));
    }
  }, SWEEP_MS);
  sweep.unref();
  return {
    publish(subject, data, msgId) {
      return new Promise<void>((resolve, reject) => {
        const token = next++;
        const reply = `${inbox}.${token}`;
        try {
          if (msgId === undefined) nc.publish(subject, data, { reply });
          else {
            const headers = nats.headers();
            headers.set('Nats-Msg-Id', msgId);
            nc.publish(subject, data, { reply, headers });
          }
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        waiting.set(token, { resolve, reject, deadline: Date.now() + timeoutMs });
      });
    },
    close() {
      clearInterval(sweep);
      sub.unsubscribe();
      for (const w of waiting.values()) w.reject(new Error('the connection closed'));
      waiting.clear();
    },
  };
}
