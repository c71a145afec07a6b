/**
 * The client runtime generated clients are built from (`src/client/runtime.ts`), against a fake
 * bus that records every call: each typed operation reaches the one bus call it stands for, with
 * the topic built from its parameters and the event filter implied. The generated chat client is
 * tested on real buses in test/codegen/client.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type {
  Handler,
  Message,
  MessageMeta,
  PublishReceipt,
  Subscription,
} from '../../src/index.js';
import type { ClientCalls } from '../../src/internal.js';
import { eventClient, rawTopicClient, topicClient } from '../../src/internal.js';

type Params = { readonly roomId: string };
type Said = { readonly text: string };

const receipt = { id: 'receipt' } as PublishReceipt;
const subscription = { id: 7 } as Subscription;
const meta = { id: 'node-a:1:1', node: 'node-a', local: false } as MessageMeta;
const at = (params: Params): `room:${string}` => `room:${params.roomId}`;

/** A bus stand-in that records calls and keeps the last handler it was given. */
function recordingCalls() {
  const log: unknown[][] = [];
  const stream = (async function* () {})();
  let handler: Handler<Message> | undefined;
  const publish =
    (name: string) =>
    async (...args: unknown[]) => {
      log.push([name, ...args]);
      return receipt;
    };
  const calls: ClientCalls = {
    broadcast: publish('broadcast'),
    broadcastFrom: publish('broadcastFrom'),
    directBroadcast: publish('directBroadcast'),
    localBroadcast: publish('localBroadcast'),
    broadcastRaw: publish('broadcastRaw'),
    subscribe: async (topic, h, options) => {
      log.push(['subscribe', topic, options]);
      handler = h;
      return subscription;
    },
    stream: (topic, options) => {
      log.push(['stream', topic, options]);
      return stream;
    },
  };
  return { calls, log, stream, deliver: (message: Message) => handler?.(message) };
}

describe('eventClient', () => {
  it('maps each publish onto its bus call with the built topic and the event name', async () => {
    const { calls, log } = recordingCalls();
    const said = eventClient<Params, Said, 'said'>(calls, at, 'said');
    const sender = { id: 'composer' } as Parameters<typeof said.publishFrom>[0];
    const room = { roomId: 'lobby' };
    expect(await said.publish(room, { text: 'a' })).toBe(receipt);
    expect(await said.publishFrom(sender, room, { text: 'b' })).toBe(receipt);
    expect(await said.publishDirect('node-b', room, { text: 'c' })).toBe(receipt);
    expect(await said.publishLocal(room, { text: 'd' })).toBe(receipt);
    expect(log).toEqual([
      ['broadcast', 'room:lobby', 'said', { text: 'a' }],
      ['broadcastFrom', sender, 'room:lobby', 'said', { text: 'b' }],
      ['directBroadcast', 'node-b', 'room:lobby', 'said', { text: 'c' }],
      ['localBroadcast', 'room:lobby', 'said', { text: 'd' }],
    ]);
  });

  it('subscribes with the event filter implied and hands the handler payload and meta', async () => {
    const { calls, log, deliver } = recordingCalls();
    const said = eventClient<Params, Said, 'said'>(calls, at, 'said');
    const got: [Said, MessageMeta][] = [];
    const signal = new AbortController().signal;
    const result = await said.subscribe(
      { roomId: 'lobby' },
      (payload, m) => {
        got.push([payload, m]);
      },
      { signal },
    );
    await deliver({
      topic: 'room:lobby',
      event: 'said',
      payload: { text: 'hi' },
      params: { roomId: 'lobby' },
      meta,
    });
    expect(result).toBe(subscription);
    expect(log).toEqual([['subscribe', 'room:lobby', { signal, events: ['said'] }]]);
    expect(got).toEqual([[{ text: 'hi' }, meta]]);
  });

  it('streams with the event filter implied, overriding any given', () => {
    const { calls, log, stream } = recordingCalls();
    const said = eventClient<Params, Said, 'said'>(calls, at, 'said');
    const options = { events: ['other'] } as Parameters<typeof said.stream>[1];
    expect(said.stream({ roomId: 'x' }, options)).toBe(stream);
    expect(log).toEqual([['stream', 'room:x', { events: ['said'] }]]);
  });
});

describe('topicClient', () => {
  it('builds the topic and passes subscribe and stream options through unchanged', async () => {
    const { calls, log, stream, deliver } = recordingCalls();
    const room = topicClient<Params, Message<'said', Said>, `room:${string}`>(calls, at);
    const seen: Message[] = [];
    expect(room.topic({ roomId: 'lobby' })).toBe('room:lobby');
    expect(await room.subscribe({ roomId: 'lobby' }, (m) => void seen.push(m))).toBe(subscription);
    expect(room.stream({ roomId: 'lobby' }, { events: ['said'] })).toBe(stream);
    const message = {
      topic: 'room:lobby',
      event: 'said',
      payload: { text: 'hi' },
      params: { roomId: 'lobby' },
      meta,
    };
    await deliver(message);
    expect(seen).toEqual([message]);
    expect(log).toEqual([
      ['subscribe', 'room:lobby', undefined],
      ['stream', 'room:lobby', { events: ['said'] }],
    ]);
  });
});

describe('rawTopicClient', () => {
  it('publishes any event name through broadcastRaw and keeps the topic-wide operations', async () => {
    const { calls, log } = recordingCalls();
    const legacy = rawTopicClient<Params, `room:${string}`>(calls, at);
    expect(await legacy.publishRaw({ roomId: 'old' }, 'said', [1, 'two'])).toBe(receipt);
    expect(legacy.topic({ roomId: 'old' })).toBe('room:old');
    await legacy.subscribe({ roomId: 'old' }, () => {});
    expect(log).toEqual([
      ['broadcastRaw', 'room:old', 'said', [1, 'two']],
      ['subscribe', 'room:old', undefined],
    ]);
  });
});
