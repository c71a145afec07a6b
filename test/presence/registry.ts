/**
 * The registry presence tests use: a chat room whose presences carry a name and a device, and a
 * topic without presence (to check that presence calls on it are refused).
 */
import { Type } from '@sinclair/typebox';
import { defineTopics, event, topic } from '../../src/index.js';

/** Presence test topics. */
export const presenceRegistry = defineTopics({
  room: topic('room:{roomId}', {
    events: { message: event(Type.Object({ text: Type.String() })) },
    presence: Type.Object({
      name: Type.String({ minLength: 1 }),
      device: Type.Optional(Type.String()),
      typing: Type.Optional(Type.Boolean()),
    }),
  }),
  news: topic('news:{feed}', {
    events: { story: event(Type.Object({ title: Type.String() })) },
  }),
});

/** The definitions' type. */
export type PresenceTopics = typeof presenceRegistry.defs;
