import { describe, expectTypeOf, it } from 'vitest';
import {
  type Client,
  createClient,
  type EventClient,
  type EventSubscribeOptions,
  type LegacyParams,
  type LegacyTopic,
  type RawTopicClient,
  type RoomEvent,
  type RoomMessage,
  type RoomParams,
  type RoomTopic,
  type TeamParams,
  type TopicClient,
  type UserNotification,
  validators,
} from '../../examples/chat/generated/client.js';
import type { registry } from '../../examples/chat/registry.js';
import type * as herald from '../../src/index.js';
import type {
  Bus,
  CheckFunction,
  Message,
  MessageMeta,
  PublishReceipt,
  SubscribeOptions,
} from '../../src/index.js';

declare const bus: Bus<typeof registry.defs>;
const client = createClient(bus);
const message: RoomMessage = {
  id: '3b241101-e2bb-4255-8caf-4136c566a962',
  userId: 'u_ada',
  text: 'hi',
  sentAt: '2024-01-01T00:00:00Z',
};

describe('the generated client types', () => {
  it('derives payload and parameter types from the registry', () => {
    expectTypeOf(client).toEqualTypeOf<Client>();
    expectTypeOf<RoomMessage>().toEqualTypeOf<{
      id: string;
      userId: string;
      text: string;
      sentAt: string;
    }>();
    expectTypeOf<TeamParams>().toEqualTypeOf<{ readonly orgId: number; readonly teamId: string }>();
    expectTypeOf<UserNotification['kind']>().toEqualTypeOf<'mention' | 'invite' | 'system'>();
    expectTypeOf(validators).toEqualTypeOf<Readonly<Record<string, CheckFunction>>>();
  });

  it("re-exports Herald's client types and builds its entries from them", () => {
    expectTypeOf<EventClient<RoomParams, RoomMessage, 'message'>>().toEqualTypeOf<
      herald.EventClient<RoomParams, RoomMessage, 'message'>
    >();
    expectTypeOf<TopicClient<RoomParams, RoomEvent, RoomTopic>>().toEqualTypeOf<
      herald.TopicClient<RoomParams, RoomEvent, RoomTopic>
    >();
    expectTypeOf<RawTopicClient<LegacyParams, LegacyTopic>>().toEqualTypeOf<
      herald.RawTopicClient<LegacyParams, LegacyTopic>
    >();
    expectTypeOf<EventSubscribeOptions>().toEqualTypeOf<Omit<SubscribeOptions, 'events'>>();
    expectTypeOf(client.room.message).toEqualTypeOf<
      EventClient<RoomParams, RoomMessage, 'message'>
    >();
    expectTypeOf(client.room).toExtend<TopicClient<RoomParams, RoomEvent, RoomTopic>>();
    expectTypeOf(client.legacy).toEqualTypeOf<RawTopicClient<LegacyParams, LegacyTopic>>();
  });

  it('types publish, subscribe and topic by event', () => {
    expectTypeOf(client.room.message.publish({ roomId: 'lobby' }, message)).toEqualTypeOf<
      Promise<PublishReceipt>
    >();
    expectTypeOf(client.room.topic({ roomId: 'lobby' })).toEqualTypeOf<RoomTopic>();
    expectTypeOf(client.room.topic({ roomId: 'lobby' })).toEqualTypeOf<`room:${string}`>();
    client.room.message.subscribe({ roomId: 'lobby' }, (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<RoomMessage>();
      expectTypeOf(meta).toEqualTypeOf<MessageMeta>();
    });
    client.room.subscribe({ roomId: 'lobby' }, (m) => {
      expectTypeOf(m.event).toEqualTypeOf<'message' | 'typing'>();
      if (m.event === 'typing') expectTypeOf(m.payload.typing).toEqualTypeOf<boolean>();
    });
    client.room.subscribe(
      { roomId: 'lobby' },
      (m) => {
        expectTypeOf(m.event).toEqualTypeOf<'typing'>();
      },
      { events: ['typing'] },
    );
    expectTypeOf(client.legacy.publishRaw).parameters.toEqualTypeOf<
      [{ readonly channel: string }, string, unknown]
    >();
    expectTypeOf(client.legacy.stream({ channel: 'x' })).toEqualTypeOf<
      AsyncIterableIterator<Message>
    >();
  });

  it('refuses a wrong payload', () => {
    // @ts-expect-error text must be a string
    client.room.message.publish({ roomId: 'lobby' }, { ...message, text: 42 });
    // @ts-expect-error sentAt is required
    client.room.message.publish({ roomId: 'lobby' }, { id: 'x', userId: 'u_ada', text: 'hi' });
    // @ts-expect-error a typing payload is not a message payload
    client.room.message.publishLocal({ roomId: 'lobby' }, { userId: 'u_ada', typing: true });
    const notification: UserNotification = {
      id: '9c5b94b1-35ad-49bb-b118-8e8fc24abf80',
      kind: 'mention',
      title: 'hi',
      createdAt: '2024-01-01T00:00:00Z',
    };
    // @ts-expect-error kind is a closed union
    client.user.notification.publish({ userId: 'u_ada' }, { ...notification, kind: 'spam' });
  });

  it('refuses a missing parameter', () => {
    // @ts-expect-error roomId is missing
    client.room.message.publish({}, message);
    // @ts-expect-error teamId is missing
    client.team.topic({ orgId: 1 });
    // @ts-expect-error parameters cannot be left out
    client.room.message.subscribe((payload: RoomMessage) => payload);
  });

  it('refuses a parameter of the wrong type or name', () => {
    // @ts-expect-error orgId is an integer, not a string
    client.team.topic({ orgId: '1', teamId: 'b5f7' });
    // @ts-expect-error room has no parameter "room"
    client.room.topic({ room: 'lobby' });
    // @ts-expect-error a topic string is not the parameters object
    client.room.message.publish('room:lobby', message);
  });

  it('refuses an unknown event or topic', () => {
    // @ts-expect-error room has no event "shout"
    client.room.shout.publish({ roomId: 'lobby' }, message);
    // @ts-expect-error no topic "lobby"
    client.lobby.subscribe({ roomId: 'lobby' }, () => {});
    // @ts-expect-error the event filter only takes events of the topic
    client.room.subscribe({ roomId: 'lobby' }, () => {}, { events: ['shout'] });
    // @ts-expect-error typed topics have no publishRaw
    client.room.publishRaw({ roomId: 'lobby' }, 'message', message);
  });
});
