/**
 * The web demo's topics: the operations catalogue (health, metrics, alerts: what the operations
 * panel shows) plus the demo's own shared counter and chat rooms with presence.
 *
 * `herald codegen --registry examples/web/registry.ts --out examples/web/generated` emits the
 * typed server client and the typed browser client the page uses.
 */
import { Type } from '@sinclair/typebox';
import { catalog, NodeId } from '../../src/catalog/index.js';
import { defineTopics, event, topic } from '../../src/index.js';

/** A room slug. */
const RoomId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' });

/** Every topic of the web demo. */
export const registry = defineTopics(
  {
    ...catalog.defs,
    counter: topic('counter', {
      description:
        'The shared counter, as a grow-only counter: each instance counts its own clicks, every ' +
        'event carries the whole vector, and a receiver keeps the largest count per instance.',
      events: {
        changed: event(
          Type.Object(
            {
              counts: Type.Array(
                Type.Object(
                  { node: NodeId, clicks: Type.Integer({ minimum: 0 }) },
                  { additionalProperties: false },
                ),
                { maxItems: 64 },
              ),
              by: NodeId,
            },
            { additionalProperties: false },
          ),
          { version: 1, description: 'An instance counted a click; counts per instance.' },
        ),
      },
    }),
    chat: topic('chat:{room}', {
      description:
        'A chat room and who is in it (presence: name and instance). `chat:lobby` is open to ' +
        'every page; other rooms are refused.',
      params: { room: RoomId },
      events: {
        message: event(
          Type.Object(
            {
              user: Type.String({ minLength: 1, maxLength: 32 }),
              text: Type.String({ minLength: 1, maxLength: 500 }),
            },
            { additionalProperties: false },
          ),
          { version: 1, description: 'A message posted by a page.' },
        ),
      },
      presence: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 32 }),
          instance: NodeId,
        },
        { additionalProperties: false },
      ),
    }),
  },
  {
    title: 'Herald web demo',
    version: '1.0.0',
    description: 'The operations catalogue plus a shared counter and chat rooms with presence.',
  },
);
