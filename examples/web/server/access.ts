/**
 * Who may see and say what: the demo's `authorize` and `presence` decisions for the gateway.
 * The page is anonymous, so it may read the counter, the lobby and the operations topics, and
 * post in the lobby; every other topic (another room, `audit`, `security`, ...) is refused with a
 * reason the page shows. Presence is the page's chosen name on this instance.
 */
import type {
  AuthorizeResult,
  ConnectionPresence,
  GatewayOptions,
} from '../../../src/gateway/index.js';

/** The room every page may read and post in. */
export const OPEN_ROOM = 'chat:lobby';

/** Topics (or their template's first word) an anonymous page may read. */
const READABLE = new Set(['counter', OPEN_ROOM, 'health', 'metrics', 'alerts', 'system']);

/** The demo's authorization: read the open topics, post only in the lobby. */
export function authorize(
  _request: Request,
  topic: string,
  _params: Readonly<Record<string, string>>,
  action: 'subscribe' | 'publish',
): AuthorizeResult {
  if (action === 'publish') {
    return topic === OPEN_ROOM
      ? true
      : { allow: false, reason: `pages may post only in ${OPEN_ROOM}` };
  }
  const head = topic.split(':')[0] ?? topic;
  if (READABLE.has(topic) || (head !== 'chat' && READABLE.has(head))) return true;
  return { allow: false, reason: `${topic} is not open to anonymous pages in this demo` };
}

/** A display name from the page's `x-demo-name` header (percent-encoded), or a generic one. */
export function displayName(request: Request): string {
  let asked = '';
  try {
    asked = decodeURIComponent(request.headers.get('x-demo-name') ?? '');
  } catch {
    // Not percent-encoded UTF-8: a guest.
  }
  const clean = asked
    .replace(/[^\p{L}\p{N} _.-]/gu, '')
    .trim()
    .slice(0, 32);
  return clean === '' ? 'guest' : clean;
}

/** Tracks each page in the lobby's presence as its name on this instance. */
export const presenceOf =
  (instance: string) =>
  (
    request: Request,
    connection: { readonly id: string; readonly topics: readonly string[] },
  ): ConnectionPresence | undefined => {
    if (!connection.topics.includes(OPEN_ROOM)) return undefined;
    const name = displayName(request);
    return { topic: OPEN_ROOM, key: name, meta: { name, instance } };
  };

/** The gateway options of instance `nodeId`: the demo's authorization and presence. */
export const access = (nodeId: string): Pick<GatewayOptions, 'authorize' | 'presence'> => ({
  authorize,
  presence: presenceOf(nodeId),
});
