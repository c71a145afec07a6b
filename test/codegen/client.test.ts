import { afterEach, describe, expect, it } from 'vitest';
import {
  type RoomMessage,
  type TeamAnnouncement,
  validators,
} from '../../examples/chat/generated/client.js';
import { ErrorCode, type Message, type MessageMeta, ValidationError } from '../../src/index.js';
import { chatPair, nextValue, samples, settle, TEAM_ID } from './chat.js';

type Pair = Awaited<ReturnType<typeof chatPair>>;
let pair: Pair | undefined;

afterEach(async () => {
  await pair?.stop();
  pair = undefined;
});

async function open(checks = validators): Promise<Pair> {
  pair = await chatPair(checks);
  return pair;
}

describe('the generated chat client', () => {
  it('delivers a typed publish on one bus to a typed subscriber on another', async () => {
    const { a, b } = await open();
    const got = nextValue<{ payload: RoomMessage; meta: MessageMeta }>();
    await b.client.room.message.subscribe({ roomId: 'lobby' }, (payload, meta) =>
      got.push({ payload, meta }),
    );
    const receipt = await a.client.room.message.publish({ roomId: 'lobby' }, samples.message);
    const { payload, meta } = await got.value;
    expect(receipt).toMatchObject({ topic: 'room:lobby', event: 'message', sent: true });
    expect(payload).toEqual(samples.message);
    expect(meta).toMatchObject({ node: 'node-a', local: false, kid: 'chat-1', version: 1 });
    expect(meta.params).toEqual({ roomId: 'lobby' });
  });

  it('builds topics from typed parameters, integers included', async () => {
    const { a, b } = await open();
    const got = nextValue<TeamAnnouncement>();
    const params = { orgId: 42, teamId: TEAM_ID };
    expect(a.client.team.topic(params)).toBe(`org:42:team:${TEAM_ID}`);
    await b.client.team.announcement.subscribe(params, (payload) => got.push(payload));
    await a.client.team.announcement.publish(params, samples.announcement);
    expect(await got.value).toEqual(samples.announcement);
  });

  it('checks every payload with the generated validator, on the publishing and the receiving bus', async () => {
    const counts: Record<string, number> = {};
    const counting = Object.fromEntries(
      Object.entries(validators).map(([key, check]) => [
        key,
        (value: unknown) => {
          counts[key] = (counts[key] ?? 0) + 1;
          return check(value);
        },
      ]),
    );
    const { a, b } = await open(counting);
    const got = nextValue<unknown>();
    await b.client.room.typing.subscribe({ roomId: 'lobby' }, (payload) => got.push(payload));
    await a.client.room.typing.publish({ roomId: 'lobby' }, samples.typing);
    await got.value;
    expect(counts).toEqual({ 'room.typing@1': 2 });
  });

  it('rejects an invalid payload at publish with a ValidationError naming topic, event and field', async () => {
    const { a, b } = await open();
    const seen: unknown[] = [];
    await b.client.room.message.subscribe({ roomId: 'lobby' }, (payload) => {
      seen.push(payload);
    });
    const bad = { ...samples.message, sentAt: 'yesterday at noon' };
    const error = await a.client.room.message.publish({ roomId: 'lobby' }, bad).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      code: ErrorCode.InvalidPayload,
      topic: 'room:lobby',
      event: 'message',
      field: '/sentAt',
    });
    await settle();
    expect(seen).toEqual([]);
    expect(a.bus.stats().sent).toBe(0);
  });

  it('rejects a parameter outside its schema before anything is sent', async () => {
    const { a } = await open();
    const error = await a.client.team.announcement
      .publish({ orgId: 0, teamId: TEAM_ID }, samples.announcement)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: ErrorCode.InvalidParams, field: 'orgId' });
    expect(a.bus.stats().published).toBe(0);
  });

  it('subscribes to a whole topic and tells the events apart', async () => {
    const { a, b } = await open();
    const events: Message[] = [];
    const two = nextValue<void>();
    await b.client.room.subscribe({ roomId: 'lobby' }, (message) => {
      events.push(message);
      if (events.length === 2) two.push();
    });
    await a.client.room.typing.publish({ roomId: 'lobby' }, samples.typing);
    await a.client.room.message.publish({ roomId: 'lobby' }, samples.message);
    await two.value;
    expect(events.map((m) => [m.event, m.payload])).toEqual([
      ['typing', samples.typing],
      ['message', samples.message],
    ]);
  });

  it('leaves out the sender with publishFrom and stays on the bus with publishLocal', async () => {
    const { a, b } = await open();
    const sender = a.bus.subscriber('composer');
    const onA: string[] = [];
    const onB: string[] = [];
    await a.client.room.typing.subscribe(
      { roomId: 'lobby' },
      (p) => {
        onA.push(`sender:${p.typing}`);
      },
      { subscriber: sender },
    );
    await a.client.room.typing.subscribe({ roomId: 'lobby' }, (p) => {
      onA.push(`other:${p.typing}`);
    });
    await b.client.room.typing.subscribe({ roomId: 'lobby' }, (p) => {
      onB.push(`remote:${p.typing}`);
    });
    await a.client.room.typing.publishFrom(sender, { roomId: 'lobby' }, samples.typing);
    await a.client.room.typing.publishLocal(
      { roomId: 'lobby' },
      { userId: 'u_ada', typing: false },
    );
    await settle();
    expect(onA.sort()).toEqual(['other:false', 'other:true', 'sender:false']);
    expect(onB).toEqual(['remote:true']);
  });

  it('reaches only the named node with publishDirect', async () => {
    const { a, b } = await open();
    const onA: unknown[] = [];
    const got = nextValue<MessageMeta>();
    await a.client.user.notification.subscribe({ userId: 'u_ada' }, (payload) => {
      onA.push(payload);
    });
    await b.client.user.notification.subscribe({ userId: 'u_ada' }, (_payload, meta) =>
      got.push(meta),
    );
    await a.client.user.notification.publishDirect(
      'node-b',
      { userId: 'u_ada' },
      samples.notification,
    );
    expect((await got.value).node).toBe('node-a');
    await settle();
    expect(onA).toEqual([]);
  });

  it('streams one event with for await and unsubscribes on break', async () => {
    const { a, b } = await open();
    const stream = b.client.room.typing.stream({ roomId: 'lobby' });
    const first = stream.next();
    await settle();
    expect(b.bus.subscriberCount('room:lobby')).toBe(1);
    await a.client.room.typing.publish({ roomId: 'lobby' }, samples.typing);
    const result = await first;
    expect(result.done).toBe(false);
    expect(result.value).toMatchObject({ event: 'typing', payload: samples.typing });
    await stream.return?.();
    expect(b.bus.subscriberCount('room:lobby')).toBe(0);
  });

  it('publishes and receives unvalidated payloads on a raw topic', async () => {
    const { a, b } = await open();
    const got = nextValue<Message>();
    await b.client.legacy.subscribe({ channel: 'general' }, (message) => got.push(message));
    await a.client.legacy.publishRaw({ channel: 'general' }, 'said', { anything: [1, 'two'] });
    expect(await got.value).toMatchObject({
      topic: 'legacy:general',
      event: 'said',
      payload: { anything: [1, 'two'] },
    });
  });
});
