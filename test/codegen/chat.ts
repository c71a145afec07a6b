/**
 * Shared set-up of the codegen tests: two buses of the chat example on one in-process hub, with
 * the generated validators, and sample payloads.
 */
import { randomBytes } from 'node:crypto';
import {
  createClient,
  type RoomMessage,
  type RoomTyping,
  type TeamAnnouncement,
  type UserNotification,
} from '../../examples/chat/generated/client.js';
import { registry } from '../../examples/chat/registry.js';
import type { CheckFunction } from '../../src/index.js';
import { type Bus, createBus, createLocalHub } from '../../src/index.js';

/** Valid payloads of every chat event. */
export const samples: {
  readonly message: RoomMessage;
  readonly typing: RoomTyping;
  readonly notification: UserNotification;
  readonly announcement: TeamAnnouncement;
} = {
  message: {
    id: '3b241101-e2bb-4255-8caf-4136c566a962',
    userId: 'u_ada',
    text: 'Hello, room!',
    sentAt: '2024-02-29T12:30:00.250Z',
  },
  typing: { userId: 'u_ada', typing: true },
  notification: {
    id: '9c5b94b1-35ad-49bb-b118-8e8fc24abf80',
    kind: 'mention',
    title: 'Grace mentioned you',
    roomId: 'lobby',
    createdAt: '2024-03-01T08:00:00+01:00',
  },
  announcement: {
    authorId: 'u_grace',
    text: 'Deploy freeze on Friday',
    pinned: true,
    priority: 1,
    tags: ['ops', 'release'],
    publishedAt: '2024-03-01T09:00:00Z',
  },
};

/** A team id that satisfies the `uuid` format of the team topic. */
export const TEAM_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** Two started buses on a private hub, sharing one key, with typed clients. */
export async function chatPair(validators: Readonly<Record<string, CheckFunction>>) {
  const hub = createLocalHub();
  const keys = { keys: [{ kid: 'chat-1', secret: randomBytes(32) }] };
  const make = async (nodeId: string) => {
    const bus: Bus<typeof registry.defs> = createBus({
      registry,
      keys,
      nodeId,
      validators,
      transport: hub.transport(),
    });
    await bus.start();
    return { bus, client: createClient(bus) };
  };
  const a = await make('node-a');
  const b = await make('node-b');
  return { a, b, stop: () => Promise.all([a.bus.stop(), b.bus.stop()]) };
}

/** Resolves with the first value passed to the returned `push`, or rejects after `ms`. */
export function nextValue<T>(ms = 2000): { push: (value: T) => void; value: Promise<T> } {
  let push!: (value: T) => void;
  const value = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing arrived within ${ms} ms`)), ms);
    push = (v) => {
      clearTimeout(timer);
      resolve(v);
    };
  });
  return { push, value };
}

/** Lets queued in-process deliveries run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
