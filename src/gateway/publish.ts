/**
 * `POST <basePath>/publish`: a page publishes `{ "topic", "event", "payload" }` as JSON. The body
 * is read as untrusted input (body.ts), the request identified and authorized for `publish` on
 * the topic, and the payload goes through the bus's own road: validated against the event's
 * schema, signed with the server's key (which never leaves it), sent. Raw topics take no page
 * publishes: nothing would check their payload.
 */
import { ErrorCode, isHeraldError, ValidationError } from '../errors.js';
import { authorizeAll, identify, resolveTopic } from './admit.js';
import { parseJson, readLimited } from './body.js';
import { type Refusal, refuse } from './refusal.js';
import type { GatewayState } from './state.js';

/** The answer to an accepted publish. */
export interface Published {
  readonly kind: 'published';
  readonly body: {
    readonly ok: true;
    readonly id: string;
    readonly topic: string;
    readonly event: string;
  };
}

/** The bus call a page publish makes (any `Bus`). */
type LooseBroadcast = (
  topic: string,
  event: string,
  payload: unknown,
) => Promise<{ readonly id: string }>;

/** What the body must hold. */
function shapeOf(value: unknown): { topic: string; event: string; payload: unknown } | Refusal {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('bad_request', 'the body must be an object { topic, event, payload }');
  }
  const { topic, event, payload } = value as Record<string, unknown>;
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 1024) {
    return refuse('bad_request', 'the body needs "topic": a concrete topic string');
  }
  if (typeof event !== 'string' || event.length === 0 || event.length > 256) {
    return refuse('bad_request', 'the body needs "event": an event name', { topic });
  }
  if (!Object.hasOwn(value, 'payload')) {
    return refuse('bad_request', 'the body needs "payload"', { topic, event });
  }
  return { topic, event, payload };
}

/** Maps a refused broadcast to the page's answer. */
function refusalOf(error: unknown, topic: string, event: string): Refusal {
  if (
    error instanceof ValidationError ||
    (isHeraldError(error) && error.code === ErrorCode.UnknownEvent)
  ) {
    return refuse('invalid_payload', error.message.split('\n')[0]!, { topic, event });
  }
  if (isHeraldError(error)) {
    if (error.code === ErrorCode.MessageTooLarge) {
      return refuse('body_too_large', error.message.split('\n')[0]!, { topic, event });
    }
    if (error.code === ErrorCode.ForbiddenTopic) {
      return refuse('forbidden', 'the server key may not sign this topic', {
        topic,
        event,
        reason: 'key scope',
      });
    }
    if (error.code === ErrorCode.NotStarted) return refuse('unavailable', 'the bus is not running');
  }
  return refuse('publish_failed', 'the bus could not send the message', { topic, event });
}

/** Handles a page publish. */
export async function publishFromPage(
  state: GatewayState,
  request: Request,
  body: AsyncIterable<Uint8Array>,
  remote: string | undefined,
): Promise<Published | Refusal> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return refuse('unsupported_media_type', 'send the body as application/json');
  }
  const { limits } = state.settings;
  const bytes = await readLimited(body, limits.maxBodyBytes, request.headers.get('content-length'));
  if ('kind' in bytes) return bytes;
  const parsed = parseJson(bytes, limits.maxDepth);
  if ('kind' in parsed) return parsed;
  const shape = shapeOf(parsed.value);
  if ('kind' in shape) return shape;
  const resolved = resolveTopic(state, shape.topic);
  if ('kind' in resolved) return resolved;
  if (resolved.entry.def.raw) {
    return refuse('forbidden', `"${shape.topic}" is a raw topic`, {
      topic: shape.topic,
      reason: 'raw topics take no page publishes: nothing would validate them',
    });
  }
  const identity = await identify(state, request, remote);
  if (typeof identity !== 'string') return identity;
  const denied = await authorizeAll(state, request, [resolved], 'publish');
  if (denied !== undefined) return denied;
  const broadcast = state.bus.broadcast.bind(state.bus) as unknown as LooseBroadcast;
  try {
    const receipt = await broadcast(shape.topic, shape.event, shape.payload);
    state.counters.published++;
    return {
      kind: 'published',
      body: { ok: true, id: receipt.id, topic: shape.topic, event: shape.event },
    };
  } catch (error) {
    return refusalOf(error, shape.topic, shape.event);
  }
}
