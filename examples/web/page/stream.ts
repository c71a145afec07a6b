/**
 * The page's live stream: one EventSource on the instance's gateway for every topic the page
 * shows. EventSource reconnects by itself after a network error and sends `Last-Event-ID`, so
 * the gateway replays what the page missed or sends a `gap`; when the browser gives up (an
 * HTTP error ends the EventSource), the page opens a new one with `?lastEventId=` after a second.
 */

/** What the gateway sends for one bus message (docs/gateway.md). */
export interface WireMessage {
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
  readonly version: number;
  readonly id: string;
  readonly time: number;
  readonly node: string;
  readonly params: Readonly<Record<string, string>>;
  readonly kid?: string;
  readonly local: boolean;
  readonly traceId?: string;
}

/** A gap: messages of `topic` may be missing. */
export interface GapNotice {
  readonly topic: string;
  readonly reason: string;
}

/** A presence event of a watched topic. */
export interface PresenceNotice {
  readonly topic: string;
  readonly event: 'presence_state' | 'presence_diff';
  readonly payload: unknown;
}

/** What the page does with the stream. */
export interface StreamHandlers {
  message(message: WireMessage): void;
  gap(gap: GapNotice): void;
  presence(notice: PresenceNotice): void;
  state(state: 'open' | 'reconnecting'): void;
}

const parse = (data: string): unknown => JSON.parse(data);

/** Opens the stream at `url` (with its `topic=` and `presence=` query) and keeps it open. */
export function openStream(url: string, handlers: StreamHandlers): void {
  let lastEventId = '';
  const open = (): void => {
    const target =
      lastEventId === '' ? url : `${url}&lastEventId=${encodeURIComponent(lastEventId)}`;
    const source = new EventSource(target);
    source.addEventListener('ready', () => handlers.state('open'));
    source.onmessage = (event) => {
      lastEventId = event.lastEventId;
      handlers.message(parse(event.data) as WireMessage);
    };
    source.addEventListener('gap', (event) => handlers.gap(parse(event.data) as GapNotice));
    source.addEventListener('presence', (event) =>
      handlers.presence(parse(event.data) as PresenceNotice),
    );
    source.onerror = () => {
      handlers.state('reconnecting');
      if (source.readyState !== EventSource.CLOSED) return;
      setTimeout(open, 1000);
    };
  };
  open();
}
