/**
 * SSE frames (https://html.spec.whatwg.org/multipage/server-sent-events.html): each event is
 * built once, as bytes, and the same bytes are written to every page that receives it.
 *
 * `data:` carries one line of JSON: `JSON.stringify` escapes CR and LF, the only characters that
 * end an SSE line, so a payload can never inject a field or an event.
 */
import type { Message } from '../bus/types.js';

const encoder = new TextEncoder();

/** The data of a `message` event: what the page receives for one bus message. */
export interface WireMessage {
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
  /** Schema version of the payload. */
  readonly version: number;
  /** The bus message id (`<node>:<epoch>:<seq>`). */
  readonly id: string;
  /** Publish time, ms since the Unix epoch. */
  readonly time: number;
  /** The publishing node. */
  readonly node: string;
  readonly params: Readonly<Record<string, string>>;
  /** The key id that verified it; absent for a message published on this gateway's own bus. */
  readonly kid?: string;
  /** True when it was published on this gateway's own bus (never signed or verified). */
  readonly local: boolean;
  /** The W3C trace id of its trace, when it was traced. */
  readonly traceId?: string;
}

/** The trace id inside a W3C `traceparent`, or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined || traceparent.length !== 55) return undefined;
  const id = traceparent.slice(3, 35);
  return /^[0-9a-f]{32}$/.test(id) && id !== '0'.repeat(32) ? id : undefined;
}

/** What the page receives for a bus message. */
export function wireMessage(message: Message, traceId: string | undefined): WireMessage {
  const { meta } = message;
  return {
    topic: message.topic,
    event: message.event,
    payload: message.payload,
    version: meta.version,
    id: meta.id,
    time: meta.time,
    node: meta.node,
    params: meta.params,
    ...(meta.kid === undefined ? {} : { kid: meta.kid }),
    local: meta.local,
    ...(traceId === undefined ? {} : { traceId }),
  };
}

/** A default-type (`message`) event with its resume id. */
export function messageFrame(id: string, data: WireMessage): Uint8Array {
  return encoder.encode(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A named event without an id (`ready`, `gap`, `presence`): it does not move the resume point. */
export function namedFrame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The first bytes of a stream: the reconnect delay, and a comment that flushes proxies. */
export function openingFrame(retryMs: number): Uint8Array {
  return encoder.encode(`retry: ${retryMs}\n: herald gateway\n\n`);
}

/** A heartbeat: an SSE comment, ignored by pages, that keeps idle streams open through proxies. */
export const HEARTBEAT: Uint8Array = encoder.encode(': hb\n\n');
