/**
 * The chat room's topics: messages and typing indicators, and who is in the room (presence),
 * with one meta per connection (a browser tab, a phone). Its typed client is generated into
 * `generated/` (`npm run codegen:all`).
 */
import { Type } from '@sinclair/typebox';
import { defineTopics, event, topic } from '../../src/index.js';

export const registry = defineTopics(
  {
    room: topic('room:{roomId}', {
      description: 'A chat room: messages, typing indicators, and who is here.',
      events: {
        message: event(Type.Object({ userId: Type.String(), text: Type.String({ minLength: 1 }) })),
        typing: event(Type.Object({ userId: Type.String(), typing: Type.Boolean() })),
      },
      presence: Type.Object({ device: Type.Union([Type.Literal('web'), Type.Literal('phone')]) }),
    }),
  },
  { title: 'Chat room example', version: '1.0.0' },
);
