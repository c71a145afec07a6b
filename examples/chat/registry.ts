/**
 * The chat example's topics: rooms, per-user notifications, team channels, and one raw topic
 * kept for clients that still speak the old untyped protocol.
 *
 * `herald codegen --registry examples/chat/registry.ts --out examples/chat/generated` turns this
 * module into a typed client, precompiled validators, an AsyncAPI document, JSON Schemas and a
 * lock file (see docs/codegen.md).
 */
import { Type } from '@sinclair/typebox';
import { defineTopics, event, rawTopic, topic } from '../../src/index.js';

const RoomId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'Room slug: lowercase letters, digits and "-"',
});
const UserId = Type.String({
  pattern: '^u_[A-Za-z0-9]{1,32}$',
  description: 'User id, e.g. "u_ada"',
});

/** Every topic of the chat example. */
export const registry = defineTopics(
  {
    room: topic('room:{roomId}', {
      description: 'A chat room: messages and typing indicators of its members.',
      params: { roomId: RoomId },
      events: {
        message: event(
          Type.Object(
            {
              id: Type.String({ format: 'uuid', description: 'Message id' }),
              userId: UserId,
              text: Type.String({ minLength: 1, maxLength: 4000 }),
              sentAt: Type.String({ format: 'date-time', description: 'When the user sent it' }),
            },
            { additionalProperties: false },
          ),
          { version: 1, description: 'A message posted to the room.' },
        ),
        typing: event(
          Type.Object(
            {
              userId: UserId,
              typing: Type.Boolean({ description: 'True while the user is typing' }),
            },
            { additionalProperties: false },
          ),
          { version: 1, description: 'A member started or stopped typing.' },
        ),
      },
    }),
    user: topic('user:{userId}', {
      description: 'Private notifications for one user.',
      params: { userId: UserId },
      events: {
        notification: event(
          Type.Object(
            {
              id: Type.String({ format: 'uuid' }),
              kind: Type.Union([
                Type.Literal('mention'),
                Type.Literal('invite'),
                Type.Literal('system'),
              ]),
              title: Type.String({ minLength: 1, maxLength: 200 }),
              body: Type.Optional(Type.String({ maxLength: 2000 })),
              roomId: Type.Optional(RoomId),
              createdAt: Type.String({ format: 'date-time' }),
            },
            { additionalProperties: false },
          ),
          { version: 2, description: 'Something the user should see: a mention, an invite, ...' },
        ),
      },
    }),
    team: topic('org:{orgId}:team:{teamId}', {
      description: 'Announcements to one team of an organisation.',
      params: {
        orgId: Type.Integer({ minimum: 1, description: 'Numeric organisation id' }),
        teamId: Type.String({ format: 'uuid', description: 'Team id (UUID)' }),
      },
      events: {
        announcement: event(
          Type.Object(
            {
              authorId: UserId,
              text: Type.String({ minLength: 1, maxLength: 4000 }),
              pinned: Type.Boolean(),
              priority: Type.Integer({
                minimum: 1,
                maximum: 3,
                description: '1 = urgent, 3 = low',
              }),
              tags: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), {
                maxItems: 10,
                uniqueItems: true,
              }),
              publishedAt: Type.String({ format: 'date-time' }),
            },
            { additionalProperties: false },
          ),
          { version: 1, description: 'A team-wide announcement, optionally pinned.' },
        ),
      },
    }),
    legacy: rawTopic('legacy:{channel}', {
      description: 'Untyped channel of the previous chat server, kept during the migration.',
    }),
  },
  {
    title: 'Chat example',
    version: '1.0.0',
    description: 'Topics of the Herald chat example: rooms, notifications and team announcements.',
  },
);
