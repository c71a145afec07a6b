/**
 * SSE frames (https://html.spec.whatwg.org/multipage/server-sent-events.html): each event is
 * built once, as bytes, and the same bytes are written to every page that receives it.
 *
 * `data:` carries one line of JSON: `JSON.stringify` escapes CR and LF, the only characters that
 * end an SSE line, so a payload can never inject a field or an event.
 */
import type { PageMessage } from '../browser/protocol.js';
import type { Message } from '../bus/types.js';

const encoder = new TextEncoder();

/** The data of a `message` event: what the page receives for one bus message. */
export type WireMessage = PageMessage;

/** The trace id inside a W3C `traceparent`, or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined || traceparent.length !== 55) return undefined;
  const id = traceparent.slice(3, 35);
  return /^[0-9a-f]{32}$/.test(id) && id !== '0'.repeat(32) ? id : undefined;
}

/** What the page receives for a bus message. */
export function wireMessage(
  message: Message,
  traceId: string | undefined,
  template: string | undefined,
): WireMessage {
  const { meta } = message;
  return {
    ...(template === undefined ? {} : { template }),
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

/**
 * A named event (`ready`, `gap`, `presence`). Only `ready` has an id: the gateway's sequence when
 * the stream started, so a page that reconnects before any message resumes from there.
 */
export function namedFrame(event: string, data: unknown, id?: string): Uint8Array {
  const head = id === undefined ? '' : `id: ${id}\n`;
  return encoder.encode(`${head}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The first bytes of a stream: the reconnect delay, and a comment that flushes proxies. */
export function openingFrame(retryMs: number): Uint8Array {
  return encoder.encode(`retry: ${retryMs}\n: herald gateway\n\n`);
}

/** A heartbeat: an SSE comment, ignored by pages, that keeps idle streams open through proxies. */
export const HEARTBEAT: Uint8Array = encoder.encode(': hb\n\n');
