/**
 * Type tests (checked by `tsc --noEmit`; the runtime part only asserts the calls exist): presence
 * metas are typed from the registry's presence schema, only presence topics are accepted, and
 * subscribe helpers type their predicates and batch handlers.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  Bus,
  Message,
  PresenceEvent,
  PresenceListing,
  PresenceMeta,
  PresenceMetaOf,
  PresenceTopicName,
} from '../../src/index.js';
import type { PresenceTopics } from './registry.js';

type Meta = { name: string; device?: string; typing?: boolean };

describe('presence types', () => {
  it('derive metas and topics from the registry', () => {
    expectTypeOf<PresenceTopicName<PresenceTopics>>().toEqualTypeOf<`room:${string}`>();
    expectTypeOf<PresenceMetaOf<PresenceTopics, 'room:1'>>().toEqualTypeOf<Meta>();
    const check = (bus: Bus<PresenceTopics>) => {
      void bus.presence.track('room:1', 'u1', { name: 'Ann', device: 'web' });
      // @ts-expect-error: `news` declares no presence schema
      void bus.presence.track('news:x', 'u1', { name: 'Ann' });
      // @ts-expect-error: the meta misses `name`
      void bus.presence.track('room:1', 'u1', { device: 'web' });
      // @ts-expect-error: `age` is not in the schema
      void bus.presence.track('room:1', 'u1', { name: 'Ann', age: 3 });
      void bus.presence.update('room:1', 'u1', (m) => {
        expectTypeOf(m).toEqualTypeOf<Meta>();
        return { ...m, typing: true };
      });
      void bus.presence.subscribe('room:1', (event) => {
        expectTypeOf(event).toEqualTypeOf<PresenceEvent<Meta, {}>>();
        if (event.event === 'presence_diff') {
          expectTypeOf(event.payload.joins).toEqualTypeOf<PresenceListing<Meta, {}>>();
        }
      });
      void bus.presence
        .list('room:1', {
          fetch: (_topic, entries) =>
            Object.fromEntries(
              Object.entries(entries).map(([k, v]) => [k, { ...v, user: { id: k } }]),
            ),
        })
        .then((listing) => {
          expectTypeOf(listing.u1?.user).toEqualTypeOf<{ id: string } | undefined>();
          expectTypeOf(listing.u1?.metas).toEqualTypeOf<
            readonly PresenceMeta<Meta>[] | undefined
          >();
        });
    };
    expect(typeof check).toBe('function');
  });

  it('type subscribe helpers by the topic’s messages', () => {
    const check = (bus: Bus<PresenceTopics>) => {
      void bus.subscribe('room:1', () => undefined, {
        filter: (m) => {
          expectTypeOf(m).toEqualTypeOf<
            Message<'message', { text: string }, { readonly roomId: string }>
          >();
          return m.payload.text.length > 0;
        },
        throttle: { ms: 100, trailing: true },
        queue: { concurrency: 1, slowAt: 10 },
      });
      void bus.subscribeBatch(
        'room:1',
        (messages) => {
          expectTypeOf(messages).toEqualTypeOf<
            readonly Message<'message', { text: string }, { readonly roomId: string }>[]
          >();
        },
        { batch: { max: 10, maxWaitMs: 50 } },
      );
      const throttled = { batch: { max: 2 }, throttle: { ms: 1 } };
      // @ts-expect-error: batching does not combine with throttle
      void bus.subscribeBatch('room:1', () => undefined, throttled);
      // @ts-expect-error: subscribeBatch needs batch options
      void bus.subscribeBatch('room:1', () => undefined, {});
    };
    expect(typeof check).toBe('function');
  });
});
