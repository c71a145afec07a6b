/**
 * The demo page: the gateway's browser client carries the counter, the lobby and who is online
 * over one stream from its instance; buttons post to the instance. Open the page on two
 * instances side by side: everything stays in step, and every chat line says which key
 * verified it and which trace it belongs to.
 */
import {
  createGatewayClient,
  GatewayRefusal,
  type PageGap,
  type PageMessage,
} from '../../../src/browser/index.js';
import { call } from './api.js';
import { byId } from './dom.js';
import {
  type AlertRaised,
  type BusMetrics,
  type ClusterHealth,
  type NodeHealth,
  opsPanel,
} from './ops.js';
import { presenceState } from './presence.js';
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
  readonly nodes: readonly string[];
  readonly lost: readonly string[];
}

const name =
  new URLSearchParams(location.search).get('name') ??
  `guest-${Math.random().toString(36).slice(2, 6)}`;
const counter = counterView();
const presence = presenceState();
const ops = opsPanel();
const client = createGatewayClient({
  url: '/herald',
  // The instance tracks this page in the lobby's presence under this name (server/access.ts).
  headers: { 'x-demo-name': encodeURIComponent(name) },
  retry: { minMs: 500, maxMs: 2000 },
  onStatus: (status) => {
    showStreamState(status);
    logStream(`stream ${status}`);
  },
  onGap: (gap: PageGap) => logStream(`gap on ${gap.topic} (${gap.reason}): resynchronising`),
});

/** Shows what the instance says before the stream opens. */
function showState(state: State): void {
  byId('instance').textContent = state.node;
  byId('transport').textContent = state.transport;
  document.title = `Herald demo: ${state.node}`;
  counter.merge(state.counts);
  ops.seed(state.nodes, state.lost);
}

/** After a gap on the counter: the instance's vector has every click it saw. */
const resyncCounter = async (): Promise<void> =>
  counter.merge((await call<State>('/api/state')).counts);

/** The operations topics, whole: one template subscription each, whatever the instances are. */
function watchOperations(): void {
  client.subscribe('health:cluster', (message) => ops.cluster(message.payload as ClusterHealth));
  client.subscribe('health:node:{node}', (message) => ops.node(message.payload as NodeHealth));
  client.subscribe('metrics:{component}', (message) => ops.metrics(message.payload as BusMetrics), {
    events: ['bus'],
  });
  client.subscribe('alerts:{severity}', (message) => ops.alert(message.payload as AlertRaised), {
    events: ['raised'],
  });
}

function onChat(message: PageMessage): void {
  const { user, text } = message.payload as { user: string; text: string };
  showChat({ ...message, user, text, kid: message.kid, traceId: message.traceId });
}

async function sendChat(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const input = byId<HTMLInputElement>('chat-text');
  const error = byId('chat-error');
  // Taken and cleared before the request: a person may type the next message meanwhile.
  const text = input.value;
  input.value = '';
  try {
    await client.publish(ROOM, 'message', { user: name, text });
    error.hidden = true;
  } catch (failure) {
    if (input.value === '') input.value = text;
    error.hidden = false;
    error.textContent =
      failure instanceof GatewayRefusal
        ? `refused (${failure.status}): ${failure.body.message}`
        : String(failure);
  }
}

async function forge(): Promise<void> {
  const result = await call<{
    kid: string;
    rejection?: { reason: string; detail: string };
    delivered: number;
  }>('/api/forge', 'POST');
  const out = byId('forge-result');
  out.textContent =
    result.rejection === undefined
      ? `sent with key ${result.kid}; no rejection seen yet`
      : `rejected (${result.rejection.reason}): ${result.rejection.detail}. Delivered to handlers: ${result.delivered}`;
  out.dataset.reason = result.rejection?.reason ?? '';
}

/** Subscribes to the topic typed in the form; the gateway's refusal is shown as it comes. */
function tryTopic(event: SubmitEvent): void {
  event.preventDefault();
  const topic = byId<HTMLInputElement>('topic').value.trim();
  const out = byId('topic-result');
  out.dataset.status = '';
  out.textContent = `${topic}: asking…`;
  client.subscribe(
    topic,
    (message) => logStream(`${topic}: ${message.event} from ${message.node}`),
    {
      onRefused: (refusal) => {
        out.dataset.status = String(refusal.status);
        out.textContent = `${topic}: refused (${refusal.status} ${refusal.error}): ${refusal.reason ?? refusal.message}`;
      },
    },
  );
}

showState(await call<State>('/api/state'));
byId('increment').addEventListener('click', () => void call('/api/counter', 'POST'));
byId<HTMLFormElement>('chat-form').addEventListener('submit', (event) => void sendChat(event));
byId('forge').addEventListener('click', () => void forge());
byId<HTMLFormElement>('topic-form').addEventListener('submit', tryTopic);
client.subscribe(
  'counter',
  (message) => counter.merge((message.payload as { counts: Counts }).counts),
  {
    onGap: () => void resyncCounter(),
  },
);
client.subscribe(ROOM, onChat, {
  onGap: (gap) => showChatGap(`messages may be missing here (${gap.reason})`),
});
client.presence(ROOM, (event) => {
  presence.apply(event);
  showPresence(presence.online());
});
// Subscribed in the same task as the others: the client opens one stream for all of them.
watchOperations();
