import { expectTypeOf, test } from 'vitest';
import type { Bus, Message, PublishReceipt } from '../../src/index.js';
import type { registry } from '../fixtures/registry.js';

declare const bus: Bus<typeof registry.defs>;

test('broadcast is typed by topic template, event and payload', () => {
  expectTypeOf(bus.broadcast('room:1', 'message', { text: 'hi', n: 1 })).toEqualTypeOf<
    Promise<PublishReceipt>
  >();
  // @ts-expect-error: wrong payload field type
  void bus.broadcast('room:1', 'message', { text: 'hi', n: '1' });
  // @ts-expect-error: missing payload field
  void bus.broadcast('room:1', 'message', { text: 'hi' });
  // @ts-expect-error: unknown event on the topic
  void bus.broadcast('room:1', 'nope', { text: 'hi', n: 1 });
  // @ts-expect-error: a topic no template produces
  void bus.broadcast('lobby', 'message', { text: 'hi', n: 1 });
  // @ts-expect-error: raw topics are not published with broadcast's typed events
  void bus.broadcast('legacy:x', 'message', { text: 'hi', n: 1 });
});

test('handlers receive a union discriminated by event', async () => {
  await bus.subscribe('room:1', (m) => {
    expectTypeOf(m.event).toEqualTypeOf<'message' | 'typing'>();
    if (m.event === 'message') expectTypeOf(m.payload).toEqualTypeOf<{ text: string; n: number }>();
    else expectTypeOf(m.payload).toEqualTypeOf<{ userId: string }>();
  });
  await bus.subscribe(
    'room:1',
    (m) => {
      expectTypeOf(m).toEqualTypeOf<
        Message<'typing', { userId: string }, { readonly roomId: string }>
      >();
    },
    { events: ['typing'] },
  );
  // @ts-expect-error: unknown event in the filter
  await bus.subscribe('room:1', () => undefined, { events: ['nope'] });
});

test('streams are typed like subscriptions', async () => {
  for await (const m of bus.stream('shard:1:jobs')) {
    expectTypeOf(m.payload).toEqualTypeOf<{ jobId: string }>();
  }
});
