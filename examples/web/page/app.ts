/**
 * The demo page: the typed browser client generated from the demo's registry
 * (`herald codegen --browser`, `../generated/browser.ts`) carries the counter, the lobby, who is
 * online and the operations topics over one stream from its instance, and checks each payload
 * with the precompiled validators; buttons post to the instance. Open the page on two instances
 * side by side: everything stays in step, and every chat line says which key verified it and
 * which trace it belongs to.
 */
import { GatewayRefusal, type PageGap } from '../../../src/browser/index.js';
import {
  type ChatPageMessage,
  createBrowserClient,
  createGatewayClient,
  topicKey,
} from '../generated/browser.js';
import { validators } from '../generated/browser-validators.js';
import { call } from './api.js';
import { byId } from './dom.js';
import { opsPanel } from './ops.js';
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

/** The open room: `chat:lobby`. */
const LOBBY = { room: 'lobby' } as const;

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
const gateway = createGatewayClient({
  url: '/herald',
  // A payload that fails its schema is not delivered (it is logged instead).
  validators,
  topicKey,
  onInvalid: (message, key) => logStream(`invalid ${key} from ${message.node}: dropped`),
  // The instance tracks this page in the lobby's presence under this name (server/access.ts).
  headers: { 'x-demo-name': encodeURIComponent(name) },
  retry: { minMs: 500, maxMs: 2000 },
  onStatus: (status) => {
    showStreamState(status);
    logStream(`stream ${status}`);
  },
  onGap: (gap: PageGap) => logStream(`gap on ${gap.topic} (${gap.reason}): resynchronising`),
});
const client = createBrowserClient(gateway);

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
  client.clusterHealth.status.subscribe({}, (message) => ops.cluster(message.payload));
  client.nodeHealth.subscribeAll((message) => ops.node(message.payload));
  client.metrics.subscribeAll(
    (message) => {
      if (message.event === 'bus') ops.metrics(message.payload);
    },
    { events: ['bus'] },
  );
  client.alerts.subscribeAll(
    (message) => {
      if (message.event === 'raised') ops.alert(message.payload);
    },
    { events: ['raised'] },
  );
}

function onChat(message: ChatPageMessage): void {
  const { user, text } = message.payload;
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
    await client.chat.message.publish(LOBBY, { user: name, text });
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
  // Any topic the person typed: the untyped client, since it may be in no registry at all.
  gateway.subscribe(
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
client.counter.changed.subscribe({}, (message) => counter.merge(message.payload.counts), {
  onGap: () => void resyncCounter(),
});
client.chat.message.subscribe(LOBBY, onChat, {
  onGap: (gap) => showChatGap(`messages may be missing here (${gap.reason})`),
});
client.chat.presence(LOBBY, (event) => {
  presence.apply(event);
  showPresence(presence.online());
});
// Subscribed in the same task as the others: the client opens one stream for all of them.
watchOperations();
