/**
 * The demo page: one stream from its instance's gateway carries the counter, the lobby, who is
 * online and the operations topics; buttons post to the instance. Open the page on two
 * instances side by side: everything stays in step, and every chat line says which key
 * verified it and which trace it belongs to.
 */
import { call, probeTopic, publish } from './api.js';
import { byId } from './dom.js';
import { presenceState } from './presence.js';
import { type GapNotice, openStream, type WireMessage } from './stream.js';
import {
  type Counts,
  counterView,
  logStream,
  showChat,
  showChatGap,
  showPresence,
  showStreamState,
} from './views.js';

const ROOM = 'chat:lobby';

interface State {
  readonly node: string;
  readonly transport: string;
  readonly counts: Counts;
}

const name =
  new URLSearchParams(location.search).get('name') ??
  `guest-${Math.random().toString(36).slice(2, 6)}`;
const counter = counterView();
const presence = presenceState();

async function loadState(): Promise<void> {
  const state = await call<State>('/api/state');
  byId('instance').textContent = state.node;
  byId('transport').textContent = state.transport;
  document.title = `Herald demo: ${state.node}`;
  counter.merge(state.counts);
}

function onMessage(message: WireMessage): void {
  if (message.topic === 'counter') {
    counter.merge((message.payload as { counts: Counts }).counts);
  } else if (message.topic === ROOM) {
    const { user, text } = message.payload as { user: string; text: string };
    showChat({ user, text, ...message, kid: message.kid, traceId: message.traceId });
  }
}

function onGap(gap: GapNotice): void {
  logStream(`gap on ${gap.topic} (${gap.reason}): resynchronising`);
  if (gap.topic === 'counter') void loadState();
  if (gap.topic === ROOM) showChatGap(`messages may be missing here (${gap.reason})`);
}

function wireButtons(): void {
  byId('increment').addEventListener('click', () => void call('/api/counter', 'POST'));
  byId<HTMLFormElement>('chat-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('chat-text');
    const refused = await publish(ROOM, 'message', { user: name, text: input.value });
    const error = byId('chat-error');
    error.hidden = refused === undefined;
    error.textContent =
      refused === undefined ? '' : `refused (${refused.status}): ${refused.message}`;
    if (refused === undefined) input.value = '';
  });
  byId('forge').addEventListener('click', async () => {
    const result = await call<{
      kid: string;
      rejection?: { reason: string; detail: string };
      delivered: number;
    }>('/api/forge', 'POST');
    byId('forge-result').textContent =
      result.rejection === undefined
        ? `sent with key ${result.kid}; no rejection seen yet`
        : `rejected (${result.rejection.reason}): ${result.rejection.detail}. Delivered to handlers: ${result.delivered}`;
    byId('forge-result').dataset.reason = result.rejection?.reason ?? '';
  });
  byId<HTMLFormElement>('topic-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const topic = byId<HTMLInputElement>('topic').value.trim();
    const refused = await probeTopic(topic);
    const out = byId('topic-result');
    out.dataset.status = refused === undefined ? '200' : String(refused.status);
    out.textContent =
      refused === undefined
        ? `${topic}: allowed`
        : `${topic}: refused (${refused.status} ${refused.error}): ${refused.reason ?? refused.message}`;
  });
}

await loadState();
wireButtons();
const query = new URLSearchParams({ name });
for (const topic of ['counter', ROOM]) query.append('topic', topic);
query.append('presence', ROOM);
openStream(`/herald/events?${query}`, {
  message: onMessage,
  gap: onGap,
  presence: (notice) => {
    presence.apply(notice);
    showPresence(presence.online());
  },
  state: (state) => {
    showStreamState(state);
    logStream(state === 'open' ? 'stream open' : 'stream lost: reconnecting');
  },
});
