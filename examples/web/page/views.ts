/**
 * What the page draws: the counter, the chat, who is online, and the stream log. Each view
 * takes plain data and owns its part of the page; `app.ts` feeds them from the stream.
 */
import { append, byId, el } from './dom.js';

/** Clicks per instance, as `counter.changed` carries them. */
export type Counts = readonly { readonly node: string; readonly clicks: number }[];

/** The counter: the largest count seen per instance (a grow-only counter), and the sum. */
export function counterView() {
  const clicks = new Map<string, number>();
  return {
    /** Merges a vector and redraws. */
    merge(counts: Counts): void {
      for (const { node, clicks: n } of counts) {
        if (n > (clicks.get(node) ?? 0)) clicks.set(node, n);
      }
      const sum = [...clicks.values()].reduce((a, b) => a + b, 0);
      byId('counter').textContent = String(sum);
      const by = byId('counter-by');
      by.replaceChildren(
        ...[...clicks].sort().map(([node, n]) => el('li', `${node}: ${n}`, { 'data-node': node })),
      );
    },
  };
}

/** One chat line and where it came from. */
export interface ChatLine {
  readonly user: string;
  readonly text: string;
  /** The instance (node) that published it. */
  readonly node: string;
  /** The key id that verified it, when it crossed the transport. */
  readonly kid: string | undefined;
  readonly traceId: string | undefined;
  /** Published on this page's own instance (never signed or verified: it did not travel). */
  readonly local: boolean;
  readonly time: number;
}

/** Appends a chat message, marked with its verifying key and trace id. */
export function showChat(line: ChatLine): void {
  const item = el('li', '', { 'data-kid': line.kid ?? '', 'data-trace': line.traceId ?? '' });
  item.append(el('strong', line.user), document.createTextNode(`: ${line.text}`));
  const verified = line.kid === undefined ? 'from this instance' : `verified with key ${line.kid}`;
  const meta = `via ${line.node} · ${verified} · trace ${line.traceId ?? 'none'} · ${new Date(line.time).toLocaleTimeString()}`;
  item.append(el('span', meta, { class: 'meta' }));
  append(byId('chat'), item);
}

/** Marks a gap in the chat: messages may be missing between these points. */
export function showChatGap(text: string): void {
  append(byId('chat'), el('li', text, { class: 'gap', 'data-gap': 'true' }));
}

/** Who is online: each name with the instances it is connected to. */
export function showPresence(online: ReadonlyMap<string, readonly string[]>): void {
  const items = [...online]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, instances]) => {
      const item = el('li', `${name} on ${[...new Set(instances)].sort().join(', ')}`);
      item.dataset.name = name;
      item.dataset.instances = [...new Set(instances)].sort().join(' ');
      return item;
    });
  byId('presence').replaceChildren(...items);
}

/** One line in the stream log (opened, reconnecting, gaps, resumes). */
export function logStream(text: string): void {
  append(byId('stream-log'), el('li', `${new Date().toLocaleTimeString()} ${text}`), 50);
}

/** The stream state in the header: `connecting`, `open` or `reconnecting`. */
export function showStreamState(state: string): void {
  const node = byId('stream');
  node.dataset.state = state;
  node.textContent = state;
}
